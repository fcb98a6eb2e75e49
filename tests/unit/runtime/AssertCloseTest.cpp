#include "runtime/AssertClose.h"

#include <cmath>

#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::make;

TEST_CASE("assert_close default tolerances", "[assertclose]") {
  CHECK(defaultTolerances(DType::Float16) == std::pair{1e-3, 1e-5});
  CHECK(defaultTolerances(DType::BFloat16) == std::pair{1.6e-2, 1e-5});
  CHECK(defaultTolerances(DType::Float32) == std::pair{1.3e-6, 1e-5});
  CHECK(defaultTolerances(DType::Float64) == std::pair{1e-7, 1e-7});
  CHECK(defaultTolerances(DType::Int32) == std::pair{0.0, 0.0});
  CHECK(defaultTolerances(DType::Bool) == std::pair{0.0, 0.0});

  Tensor x = make({1, 2, 3});
  CloseReport same = compareClose(x, x.clone());
  CHECK(same.ok);
  CHECK(same.message.empty());
  CHECK(same.total == 3);
  CHECK(same.rtol == 1.3e-6);
  // Within atol + rtol * |expected|.
  CHECK(compareClose(make({1000 + 1e-3}), make({1000})).ok);
  CHECK_FALSE(compareClose(make({1000 + 5e-3}), make({1000})).ok);
  CHECK(compareClose(make({INFINITY, -INFINITY}), make({INFINITY, -INFINITY})).ok);
  CHECK_FALSE(compareClose(make({NAN}), make({NAN})).ok);
  CloseOptions equalNan;
  equalNan.equalNan = true;
  CHECK(compareClose(make({NAN}), make({NAN}), equalNan).ok);
}

TEST_CASE("assert_close mismatch reports read like PyTorch's", "[assertclose]") {
  Tensor expected = zeros({64, 128});
  Tensor actual = expected.clone();
  actual.setAt({3, 7}, 0.5);
  actual.setAt({10, 0}, -0.25);
  actual.setAt({63, 127}, 1e-6);  // within atol
  expected.setAt({10, 0}, 1);
  actual.setAt({10, 0}, 1.25);
  actual.setAt({20, 5}, 3e-5);
  CloseReport report = compareClose(actual, expected);
  CHECK_FALSE(report.ok);
  CHECK(report.mismatched == 3);
  CHECK(report.total == 8192);
  CHECK(report.maxAbsIndex == Shape{3, 7});
  CHECK(report.maxAbsDiff.toDouble() == 0.5);
  CHECK(report.actualAtMaxAbs.toDouble() == 0.5);
  CHECK(report.expectedAtMaxAbs.toDouble() == 0);
  CHECK(report.maxRelIndex == Shape{3, 7});
  CHECK(std::isinf(report.maxRelDiff));
  CHECK(report.message ==
        "Tensor-likes are not close!\n"
        "\n"
        "Mismatched elements: 3 / 8192 (0.0%)\n"
        "Greatest absolute difference: 0.5 at index (3, 7) (up to 1e-05 allowed)\n"
        "Greatest relative difference: inf at index (3, 7) (up to 1.3e-06 allowed)");

  CloseOptions loose;
  loose.rtol = 0.1;
  loose.atol = 0.0;
  CloseReport relative = compareClose(make({1, 2, 3.5, 4}), make({1, 2, 3, 4}), loose);
  CHECK(relative.message ==
        "Tensor-likes are not close!\n"
        "\n"
        "Mismatched elements: 1 / 4 (25.0%)\n"
        "Greatest absolute difference: 0.5 at index (2,) (up to 0.0 allowed)\n"
        "Greatest relative difference: 0.16666666666666666 at index (2,) (up to 0.1 allowed)");

  CloseReport nan = compareClose(make({1, NAN, 5}), make({1, 2, 100}));
  CHECK(nan.mismatched == 2);
  CHECK(nan.maxAbsIndex == Shape{1});
  CHECK(std::isnan(nan.maxAbsDiff.toDouble()));
}

TEST_CASE("assert_close on integers and scalars", "[assertclose]") {
  CloseReport ints = compareClose(make({1, 5, 9}, DType::Int32), make({1, 2, 3}, DType::Int32));
  CHECK(ints.message ==
        "Tensor-likes are not equal!\n"
        "\n"
        "Mismatched elements: 2 / 3 (66.7%)\n"
        "Greatest absolute difference: 6 at index (2,)\n"
        "Greatest relative difference: 2.0 at index (2,)");
  CHECK(ints.maxAbsDiff.isInt());
  CloseReport thirds = compareClose(make({4}, DType::Int64), make({3}, DType::Int64));
  CHECK(thirds.maxRelDiff == static_cast<double>(1.0f / 3.0f));

  CloseReport scalar = compareClose(full({}, 1.5), full({}, 1.0));
  CHECK(scalar.message ==
        "Scalars are not close!\n"
        "\n"
        "Expected 1.0 but got 1.5.\n"
        "Absolute difference: 0.5 (up to 1e-05 allowed)\n"
        "Relative difference: 0.5 (up to 1.3e-06 allowed)");
  CloseReport intScalar = compareClose(full({}, 4), full({}, 3));
  CHECK(intScalar.message ==
        "Scalars are not equal!\n"
        "\n"
        "Expected 3 but got 4.\n"
        "Absolute difference: 1\n"
        "Relative difference: 0.3333333333333333");
  CHECK(compareClose(make({1, 0}, DType::Bool), make({1, 0}, DType::Bool)).ok);
}

TEST_CASE("assert_close checks shape, device and dtype first", "[assertclose]") {
  CHECK(compareClose(zeros({3}), zeros({4})).message ==
        "The values for attribute 'shape' do not match: torch.Size([3]) != torch.Size([4]).");
  CHECK(compareClose(zeros({3}), zeros({3}, DType::Float64)).message ==
        "The values for attribute 'dtype' do not match: torch.float32 != torch.float64.");
  CHECK(compareClose(zeros({3}).to(Device::cuda()), zeros({3})).message ==
        "The values for attribute 'device' do not match: cuda:0 != cpu.");
  CloseOptions lax;
  lax.checkDtype = false;
  lax.checkDevice = false;
  CloseReport mixed = compareClose(make({1, 2}, DType::Float16), make({1, 2.001}, DType::Float64), lax);
  CHECK(mixed.ok);  // compared in float64 with float16's tolerances
  CHECK(mixed.rtol == 1e-3);
  CHECK(compareClose(zeros({3}, DType::Float32, Device::meta()), zeros({3}, DType::Float32, Device::meta())).ok);
  CloseOptions half;
  half.rtol = 0.1;
  CHECK_THROWS_WITH(compareClose(zeros({1}), zeros({1}), half),
                    "Both 'rtol' and 'atol' must be either specified or omitted, but got no atol.");
}

TEST_CASE("allclose", "[assertclose]") {
  CHECK(allclose(make({1, 2}), make({1, 2 + 1e-6})));
  CHECK_FALSE(allclose(make({1, 2}), make({1, 2.1})));
  CHECK(allclose(make({1, 2}), make({1, 2.1}), 0.1, 0));
  CHECK(allclose(zeros({2, 3}), zeros({3})));  // broadcasts
  CHECK_FALSE(allclose(make({NAN}), make({NAN})));
  CHECK(allclose(make({NAN}), make({NAN}), 1e-5, 1e-8, true));
  CHECK_THROWS_WITH(allclose(make({1}), make({1}, DType::Float64)), "Float did not match Double");
}
