#include <cmath>

#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::iota;
using hel::test::make;
using hel::test::values;

TEST_CASE("every reduction's shape over dims, dim lists and keepdim", "[reduce]") {
  Tensor x = iota({2, 3, 4});
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::AMax,
                      ReduceOp::AMin}) {
    INFO(opInfo(op).name);
    CHECK(reduce(op, x).shape() == Shape{});
    CHECK(reduce(op, x, {}, true).shape() == Shape{1, 1, 1});
    CHECK(reduce(op, x, {1}).shape() == Shape{2, 4});
    CHECK(reduce(op, x, {-1}, true).shape() == Shape{2, 3, 1});
    CHECK(reduce(op, x, {0, 2}).shape() == Shape{3});
    CHECK(reduce(op, x, {2, 0}, true).shape() == Shape{1, 3, 1});
    CHECK(reduce(op, x, {0, 1, 2}).shape() == Shape{});
    CHECK(reduce(op, x.to(Device::meta()), {1}, true).shape() == Shape{2, 1, 4});
    CHECK_THROWS_WITH(reduce(op, x, {1, -2}), "dim 1 appears multiple times in the list of dims");
    CHECK_THROWS_WITH(reduce(op, x, {3}), "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  }
  for (ReduceOp op : {ReduceOp::ArgMax, ReduceOp::ArgMin}) {
    INFO(opInfo(op).name);
    CHECK(reduce(op, x).shape() == Shape{});
    CHECK(reduce(op, x, {}, true).shape() == Shape{1, 1, 1});
    CHECK(reduce(op, x, {1}).shape() == Shape{2, 4});
    CHECK(reduce(op, x, {1}, true).shape() == Shape{2, 1, 4});
    CHECK(reduce(op, x, {1}).dtype() == DType::Int64);
    CHECK_THROWS_AS(reduce(op, x, {0, 1}), RuntimeError);
  }
  Tensor scalar = full({}, 2.0);
  CHECK(reduce(ReduceOp::Sum, scalar, {0}).shape() == Shape{});
  CHECK(reduce(ReduceOp::ArgMax, scalar, {-1}, true).shape() == Shape{});
}

TEST_CASE("reduction values and dtypes", "[reduce]") {
  Tensor x = iota({2, 3});  // [[0, 1, 2], [3, 4, 5]]
  CHECK(values(reduce(ReduceOp::Sum, x, {1})) == std::vector<double>{3, 12});
  CHECK(values(reduce(ReduceOp::Sum, x, {0})) == std::vector<double>{3, 5, 7});
  CHECK(values(reduce(ReduceOp::Sum, x.t(), {1})) == std::vector<double>{3, 5, 7});
  CHECK(reduce(ReduceOp::Sum, x).item().toDouble() == 15);
  CHECK(values(reduce(ReduceOp::Prod, binary(BinaryOp::Add, x, 1), {1})) == std::vector<double>{6, 120});
  CHECK(values(reduce(ReduceOp::Mean, x, {0})) == std::vector<double>{1.5, 2.5, 3.5});
  CHECK(values(reduce(ReduceOp::Max, x, {1})) == std::vector<double>{2, 5});
  CHECK(values(reduce(ReduceOp::AMin, x, {0})) == std::vector<double>{0, 1, 2});
  CHECK(values(reduce(ReduceOp::ArgMax, x, {0})) == std::vector<double>{1, 1, 1});
  CHECK(reduce(ReduceOp::ArgMax, x).item().toInt() == 5);
  CHECK(reduce(ReduceOp::ArgMin, x.t()).item().toInt() == 0);

  // Sums of bool and integers are int64; float16 stays float16 (accumulated wider).
  CHECK(reduce(ReduceOp::Sum, make({1, 1, 0}, DType::Bool)).dtype() == DType::Int64);
  CHECK(reduce(ReduceOp::Sum, make({1, 1, 0}, DType::Bool)).item().toInt() == 2);
  CHECK(reduce(ReduceOp::Sum, make({100, 100}, DType::Int8)).item().toInt() == 200);
  CHECK(reduce(ReduceOp::Prod, make({2, 3}, DType::Int32)).dtype() == DType::Int64);
  Tensor halves = full({4096}, 1.0, DType::Float16);
  CHECK(reduce(ReduceOp::Sum, halves).dtype() == DType::Float16);
  CHECK(reduce(ReduceOp::Sum, halves).item().toDouble() == 4096);
  CHECK(reduce(ReduceOp::Sum, make({1, 2}, DType::Int32), {}, false, DType::Float32).dtype() == DType::Float32);
  CHECK(reduce(ReduceOp::Max, make({1, 2}, DType::Int16)).dtype() == DType::Int16);
  CHECK(reduce(ReduceOp::Max, make({0, 1}, DType::Bool)).item().toBool());
  CHECK(reduce(ReduceOp::Mean, make({1, 2}, DType::Int64), {}, false, DType::Float64).item().toDouble() == 1.5);
  CHECK_THROWS_WITH(reduce(ReduceOp::Mean, make({1, 2}, DType::Int64)),
                    "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                    "dtype. Got: Long");
  CHECK_THROWS_WITH(reduce(ReduceOp::Max, make({1}), {}, false, DType::Float64), "max() does not take a dtype");

  // Accumulation in double: 1 + 1e-8 a hundred million times is out of reach, but
  // float32 values that cancel are summed exactly.
  CHECK(reduce(ReduceOp::Sum, make({1e8, 1, -1e8})).item().toDouble() == 1);
}

TEST_CASE("reductions on empty tensors and NaN", "[reduce]") {
  Tensor empty = zeros({0, 3});
  CHECK(values(reduce(ReduceOp::Sum, empty, {0})) == std::vector<double>{0, 0, 0});
  CHECK(values(reduce(ReduceOp::Prod, empty, {0})) == std::vector<double>{1, 1, 1});
  CHECK(std::isnan(reduce(ReduceOp::Mean, empty).item().toDouble()));
  CHECK(reduce(ReduceOp::Max, empty, {1}).shape() == Shape{0});
  CHECK_THROWS_WITH(reduce(ReduceOp::Max, empty),
                    "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
                    "with the 'dim' argument.");
  CHECK_THROWS_WITH(reduce(ReduceOp::AMax, empty, {0}), "amax(): Expected reduction dim 0 to have non-zero size.");
  CHECK_THROWS_WITH(reduce(ReduceOp::ArgMax, empty, {0}), "argmax(): Expected reduction dim 0 to have non-zero size.");

  Tensor withNan = make({1, NAN, 5, NAN});
  CHECK(std::isnan(reduce(ReduceOp::Max, withNan).item().toDouble()));
  CHECK(std::isnan(reduce(ReduceOp::AMin, withNan).item().toDouble()));
  CHECK(reduce(ReduceOp::ArgMax, withNan).item().toInt() == 1);
  CHECK(reduce(ReduceOp::ArgMin, withNan).item().toInt() == 1);
  CHECK(reduce(ReduceOp::ArgMax, make({3, 7, 7, 1})).item().toInt() == 1);
  CHECK(reduce(ReduceOp::ArgMin, make({3, 1, 7, 1})).item().toInt() == 1);
}

TEST_CASE("max and min with a dim give values and indices", "[reduce]") {
  Tensor x = make({3, 9, 9, 2, 8, 1}, {2, 3});
  auto [values0, indices0] = maxMin(ReduceOp::Max, x, 1);
  CHECK(values0.shape() == Shape{2});
  CHECK(values(values0) == std::vector<double>{9, 8});
  CHECK(values(indices0) == std::vector<double>{1, 1});
  CHECK(indices0.dtype() == DType::Int64);
  auto [values1, indices1] = maxMin(ReduceOp::Min, x, 0, true);
  CHECK(values1.shape() == Shape{1, 3});
  CHECK(values(values1) == std::vector<double>{2, 8, 1});
  CHECK(values(indices1) == std::vector<double>{1, 1, 1});
  CHECK(values1.dtype() == DType::Float32);
  auto [scalarValue, scalarIndex] = maxMin(ReduceOp::Max, full({}, 4.0), 0);
  CHECK(scalarValue.item().toDouble() == 4);
  CHECK(scalarIndex.item().toInt() == 0);
  CHECK_THROWS_AS(maxMin(ReduceOp::Sum, x, 0), RuntimeError);
  auto [metaValues, metaIndices] = maxMin(ReduceOp::Max, x.to(Device::meta()), -1);
  CHECK(metaValues.shape() == Shape{2});
  CHECK(metaIndices.dtype() == DType::Int64);
}

TEST_CASE("cumsum and cumprod", "[reduce][scan]") {
  Tensor x = iota({2, 3});
  CHECK(values(scan(ScanOp::CumSum, x, 1)) == std::vector<double>{0, 1, 3, 3, 7, 12});
  CHECK(values(scan(ScanOp::CumSum, x, 0)) == std::vector<double>{0, 1, 2, 3, 5, 7});
  CHECK(values(scan(ScanOp::CumProd, binary(BinaryOp::Add, x, 1), -1)) == std::vector<double>{1, 2, 6, 4, 20, 120});
  CHECK(scan(ScanOp::CumSum, make({1, 2}, DType::Int32), 0).dtype() == DType::Int64);
  CHECK(scan(ScanOp::CumSum, make({1, 0}, DType::Bool), 0).dtype() == DType::Int64);
  CHECK(scan(ScanOp::CumSum, make({1, 2}, DType::Int32), 0, DType::Float32).dtype() == DType::Float32);
  CHECK(scan(ScanOp::CumSum, make({1, 2}, DType::Float16), 0).dtype() == DType::Float16);
  CHECK(scan(ScanOp::CumSum, full({}, 3.0), 0).item().toDouble() == 3);
  CHECK(scan(ScanOp::CumSum, x.t(), 1).shape() == Shape{3, 2});
  CHECK(values(scan(ScanOp::CumSum, x.t(), 1)) == std::vector<double>{0, 3, 1, 5, 2, 7});
  CHECK_THROWS_WITH(scan(ScanOp::CumSum, x, 2),
                    "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

TEST_CASE("softmax, log_softmax and layer_norm", "[reduce][normalize]") {
  Tensor x = make({1, 2, 3, 1000, 1000, 1000}, {2, 3});
  std::vector<double> s = values(softmax(x, 1));
  double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0);
  CHECK(s[0] == Approx(e1 / (e1 + e2 + e3)).epsilon(1e-6));
  CHECK(s[2] == Approx(e3 / (e1 + e2 + e3)).epsilon(1e-6));
  CHECK(s[4] == Approx(1.0 / 3).epsilon(1e-6));  // large inputs do not overflow
  std::vector<double> column = values(softmax(x, 0));
  CHECK(column[0] == 0);
  CHECK(column[3] == 1);
  std::vector<double> ls = values(logSoftmax(x, -1));
  CHECK(ls[1] == Approx(2 - std::log(e1 + e2 + e3)).epsilon(1e-6));
  CHECK(ls[3] == Approx(-std::log(3.0)).epsilon(1e-6));
  CHECK(softmax(x.to(DType::Float16), 1).dtype() == DType::Float16);
  CHECK(softmax(make({1, 2}, DType::Int64), 0, DType::Float32).dtype() == DType::Float32);
  CHECK_THROWS_WITH(softmax(make({1, 2}, DType::Int64), 0), "\"softmax\" not implemented for 'Long'");
  std::vector<double> allMinusInf = values(softmax(make({-INFINITY, -INFINITY}), 0));
  CHECK(std::isnan(allMinusInf[0]));

  Tensor y = make({1, 2, 3, 4, 2, 2, 2, 2}, {2, 4});
  std::vector<double> n = values(layerNorm(y, {4}));
  double rstd = 1 / std::sqrt(1.25 + 1e-5);
  CHECK(n[0] == Approx(-1.5 * rstd).epsilon(1e-6));
  CHECK(n[3] == Approx(1.5 * rstd).epsilon(1e-6));
  CHECK(n[5] == 0);
  std::vector<double> affine = values(layerNorm(y, {4}, make({1, 1, 1, 2}), make({0, 0, 0, 10})));
  CHECK(affine[3] == Approx(3 * rstd + 10).epsilon(1e-6));
  CHECK(layerNorm(y, {2, 4}).shape() == Shape{2, 4});
  CHECK_THROWS_WITH(layerNorm(y, {3}),
                    "Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[2, 4]");
  CHECK_THROWS_WITH(layerNorm(y, {4}, make({1, 1, 1})),
                    "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and "
                    "normalized_shape = [4]");
}
