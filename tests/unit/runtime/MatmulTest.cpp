#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/Random.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::iota;
using hel::test::make;
using hel::test::values;

namespace {
Tensor meta(const Shape& shape) { return Tensor::empty(shape, DType::Float32, Device::meta()); }
}  // namespace

TEST_CASE("matmul result shapes", "[matmul]") {
  struct Case {
    Shape a, b, out;
  };
  const Case cases[] = {
      {{3}, {3}, {}},                  // dot
      {{2, 3}, {3}, {2}},              // matrix-vector
      {{3}, {3, 4}, {4}},              // vector-matrix
      {{2, 3}, {3, 4}, {2, 4}},        // mm
      {{5, 2, 3}, {3, 4}, {5, 2, 4}},  // batched with a broadcast matrix
      {{2, 3}, {5, 3, 4}, {5, 2, 4}},
      {{5, 2, 3}, {5, 3, 4}, {5, 2, 4}},
      {{7, 1, 2, 3}, {5, 3, 4}, {7, 5, 2, 4}},  // broadcast batch dims
      {{5, 2, 3}, {3}, {5, 2}},
      {{3}, {5, 3, 4}, {5, 4}},
  };
  for (const Case& c : cases) {
    INFO(shapeStr(c.a) << " @ " << shapeStr(c.b));
    CHECK(matmul(meta(c.a), meta(c.b)).shape() == c.out);
    CHECK(matmul(zeros(c.a), zeros(c.b)).shape() == c.out);
  }
}

TEST_CASE("matmul errors", "[matmul]") {
  CHECK_THROWS_WITH(matmul(zeros({4, 3}), zeros({5, 2})), "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)");
  CHECK_THROWS_WITH(mm(zeros({4, 3}), zeros({5, 2})), "mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)");
  CHECK_THROWS_WITH(matmul(zeros({3}), zeros({4, 2})), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)");
  CHECK_THROWS_WITH(matmul(zeros({3}), zeros({4})),
                    "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, "
                    "but got 3 and 4 elements respectively");
  CHECK_THROWS_WITH(matmul(zeros({2, 3}), zeros({4})), "size mismatch, got input (2), mat (2x3), vec (4)");
  CHECK_THROWS_WITH(matmul(zeros({5, 2, 3}), zeros({5, 4, 2})),
                    "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4].");
  CHECK_THROWS_WITH(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})),
                    "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
  CHECK_THROWS_WITH(bmm(zeros({2, 2, 3}), zeros({3, 3, 4})),
                    "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3].");
  CHECK_THROWS_WITH(matmul(zeros({2, 2}), zeros({2, 2}, DType::Float64)),
                    "expected m1 and m2 to have the same dtype, but got: float != double");
  CHECK_THROWS_WITH(matmul(full({}, 1.0), zeros({2})),
                    "both arguments to matmul need to be at least 1D, but they are 0D and 1D");
  CHECK_THROWS_WITH(mm(zeros({2}), zeros({2, 2})), "self must be a matrix");
  CHECK_THROWS_WITH(bmm(zeros({2, 2}), zeros({2, 2})), "batch1 must be a 3D tensor");
  CHECK_THROWS_AS(matmul(zeros({2, 2}), zeros({2, 2}).to(Device::cuda())), RuntimeError);
}

TEST_CASE("matmul values", "[matmul]") {
  Tensor a = iota({2, 3}), b = iota({3, 2});
  // [[0,1,2],[3,4,5]] @ [[0,1],[2,3],[4,5]]
  CHECK(values(matmul(a, b)) == std::vector<double>{10, 13, 28, 40});
  CHECK(values(matmul(a, b.t().contiguous().t())) == std::vector<double>{10, 13, 28, 40});
  CHECK(values(matmul(b.t(), a.t())) == std::vector<double>{10, 28, 13, 40});
  CHECK(matmul(make({1, 2, 3}), make({4, 5, 6})).item().toDouble() == 32);
  CHECK(values(matmul(a, make({1, 1, 1}))) == std::vector<double>{3, 12});
  CHECK(values(matmul(make({1, 1}), b.t())) == std::vector<double>{1, 5, 9});
  Tensor ints = matmul(iota({2, 2}, DType::Int32), iota({2, 2}, DType::Int32));
  CHECK(ints.dtype() == DType::Int32);
  CHECK(values(ints) == std::vector<double>{2, 3, 6, 11});
  Tensor halves = matmul(iota({2, 2}, DType::Float16), iota({2, 2}, DType::Float16));
  CHECK(halves.dtype() == DType::Float16);
  CHECK(values(halves) == std::vector<double>{2, 3, 6, 11});

  // Batched against a loop of 2-D products, with a broadcast operand.
  manualSeed(1);
  Tensor x = randn({4, 3, 5}), y = randn({5, 2});
  Tensor batched = matmul(x, y);
  for (int64_t i = 0; i < 4; ++i) CHECK(values(batched.select(0, i)) == values(mm(x.select(0, i), y)));
  Tensor bm = bmm(x, randn({4, 5, 6}));
  CHECK(bm.shape() == Shape{4, 3, 6});
}

TEST_CASE("addmm and baddbmm", "[matmul]") {
  Tensor a = iota({2, 3}), b = iota({3, 2});
  Tensor bias = make({1, -1});
  CHECK(values(addmm(bias, a, b)) == std::vector<double>{11, 12, 29, 39});
  CHECK(values(addmm(bias, a, b, 2, 0.5)) == std::vector<double>{7, 4.5, 16, 18});
  CHECK(values(addmm(make({NAN, NAN}), a, b, 0)) == std::vector<double>{10, 13, 28, 40});
  Tensor acc = zeros({2, 2, 2});
  Tensor r = baddbmm(acc, a.unsqueeze(0).expand({2, 2, 3}), b.unsqueeze(0).expand({2, 3, 2}));
  CHECK(r.shape() == Shape{2, 2, 2});
  CHECK(values(r.select(0, 1)) == std::vector<double>{10, 13, 28, 40});
  CHECK_THROWS_WITH(
      addmm(zeros({3}), a, b),
      "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1.  "
      "Target sizes: [2, 2].  Tensor sizes: [3]");
  CHECK_THROWS_WITH(addmm(zeros({2, 2}, DType::Float64), a, b),
                    "self and mat2 must have the same dtype, but got Double and Float");
}
