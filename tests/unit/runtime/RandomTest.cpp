#include <cmath>

#include "TestUtil.h"
#include "runtime/Errors.h"
#include "runtime/Random.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::values;

TEST_CASE("manualSeed makes random tensors reproducible", "[random]") {
  manualSeed(42);
  std::vector<double> first = values(randn({100}));
  std::vector<double> firstInts = values(randint(-10, 10, {50}));
  manualSeed(42);
  CHECK(values(randn({100})) == first);
  CHECK(values(randint(-10, 10, {50})) == firstInts);
  manualSeed(43);
  CHECK(values(randn({100})) != first);

  // A generator of one's own does not disturb the default one.
  Generator a(7), b(7);
  CHECK(a.next() == b.next());
  CHECK(values(rand({10}, DType::Float32, Device::cpu(), a)) == values(rand({10}, DType::Float32, Device::cpu(), b)));
}

TEST_CASE("random values have the right ranges and moments", "[random]") {
  manualSeed(0);
  Tensor n = randn({100000});
  CHECK(n.dtype() == DType::Float32);
  double mean = reduce(ReduceOp::Mean, n).item().toDouble();
  double var = reduce(ReduceOp::Mean, binary(BinaryOp::Mul, n, n)).item().toDouble() - mean * mean;
  CHECK(std::abs(mean) < 0.02);
  CHECK(std::abs(var - 1) < 0.02);

  Tensor u = rand({100000}, DType::Float16);
  CHECK(u.dtype() == DType::Float16);
  CHECK(reduce(ReduceOp::Min, u).item().toDouble() >= 0);
  CHECK(reduce(ReduceOp::Max, u).item().toDouble() < 1);
  CHECK(std::abs(reduce(ReduceOp::Mean, u, {}, false, DType::Float32).item().toDouble() - 0.5) < 0.01);

  Tensor r = randint(0, 16, {32, 8}, DType::Int32);
  CHECK(r.dtype() == DType::Int32);
  CHECK(reduce(ReduceOp::Min, r).item().toInt() == 0);
  CHECK(reduce(ReduceOp::Max, r).item().toInt() == 15);
  CHECK(randint(-10, 10, {32}).dtype() == DType::Int64);
  CHECK(values(randint(5, 6, {3})) == std::vector<double>{5, 5, 5});
  CHECK(randn({2, 3}, DType::Float32, Device::cuda()).device() == Device::cuda());
  CHECK(randnLike(randn({2, 3}, DType::BFloat16)).dtype() == DType::BFloat16);
  CHECK(randn({2}, DType::Float32, Device::meta()).isMeta());

  CHECK_THROWS_WITH(randint(5, 5, {1}), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  CHECK_THROWS_WITH(randn({1}, DType::Int64), "\"normal\" not implemented for 'Long'");
}
