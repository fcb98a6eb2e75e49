// A Python number as an operand of tensor ops and as what `item()` returns.
#pragma once

#include <cstdint>
#include <string>

#include "support/DType.h"

namespace hel {

class Scalar {
 public:
  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool value) : kind_(ScalarKind::Bool), int_(value) {}
  Scalar(int value) : kind_(ScalarKind::Int), int_(value) {}
  Scalar(int64_t value) : kind_(ScalarKind::Int), int_(value) {}
  Scalar(double value) : kind_(ScalarKind::Float), float_(value) {}

  ScalarKind kind() const { return kind_; }
  bool isBool() const { return kind_ == ScalarKind::Bool; }
  bool isInt() const { return kind_ == ScalarKind::Int; }
  bool isFloat() const { return kind_ == ScalarKind::Float; }

  // Python's float(x), int(x) (truncating), bool(x).
  double toDouble() const { return isFloat() ? float_ : static_cast<double>(int_); }
  int64_t toInt() const;
  bool toBool() const { return isFloat() ? float_ != 0 : int_ != 0; }

  // The dtype a tensor made from this number alone gets (bool, int64, float32).
  DType defaultDType() const;

  // Python's repr: True, 3, 1.5, 1e-05, inf.
  std::string repr() const;

 private:
  ScalarKind kind_;
  int64_t int_ = 0;
  double float_ = 0;
};

// Python's repr of a float: the shortest digits that read back as the same double,
// in positional form for exponents in [-4, 16) and with ".0" when integral
// (1.0, 0.0001, 1e-05, 1e+16, 1.3e-06, inf, nan).
std::string formatPythonFloat(double value);

}  // namespace hel
