#include <cmath>
#include <limits>

#include "TestUtil.h"
#include "runtime/Scalar.h"

using namespace hel;

TEST_CASE("Python's float repr", "[scalar]") {
  CHECK(formatPythonFloat(1.0) == "1.0");
  CHECK(formatPythonFloat(0.5) == "0.5");
  CHECK(formatPythonFloat(100.0) == "100.0");
  CHECK(formatPythonFloat(1e-05) == "1e-05");
  CHECK(formatPythonFloat(1.3e-06) == "1.3e-06");
  CHECK(formatPythonFloat(0.0001) == "0.0001");
  CHECK(formatPythonFloat(0.1) == "0.1");
  CHECK(formatPythonFloat(0.1 + 0.2) == "0.30000000000000004");
  CHECK(formatPythonFloat(static_cast<double>(0.1f)) == "0.10000000149011612");
  CHECK(formatPythonFloat(1e16) == "1e+16");
  CHECK(formatPythonFloat(1234567890123456.0) == "1234567890123456.0");
  CHECK(formatPythonFloat(1.5e300) == "1.5e+300");
  CHECK(formatPythonFloat(-2.5) == "-2.5");
  CHECK(formatPythonFloat(-0.0) == "-0.0");
  CHECK(formatPythonFloat(0.0) == "0.0");
  CHECK(formatPythonFloat(5e-324) == "5e-324");
  CHECK(formatPythonFloat(123.456) == "123.456");
  CHECK(formatPythonFloat(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(formatPythonFloat(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(formatPythonFloat(std::nan("")) == "nan");
}

TEST_CASE("scalars", "[scalar]") {
  CHECK(Scalar(true).repr() == "True");
  CHECK(Scalar(3).repr() == "3");
  CHECK(Scalar(int64_t{-7}).repr() == "-7");
  CHECK(Scalar(2.0).repr() == "2.0");
  CHECK(Scalar(2.7).toInt() == 2);
  CHECK(Scalar(-2.7).toInt() == -2);
  CHECK(Scalar(true).toDouble() == 1.0);
  CHECK(Scalar(0.0).toBool() == false);
  CHECK(Scalar(1.5f).isFloat());
  CHECK(Scalar(1).defaultDType() == DType::Int64);
  CHECK(Scalar(1.0).defaultDType() == DType::Float32);
  CHECK(Scalar(false).defaultDType() == DType::Bool);
}
