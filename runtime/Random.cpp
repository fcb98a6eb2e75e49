#include "runtime/Random.h"

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "runtime/Errors.h"
#include "runtime/Kernels.h"
#include "support/ScalarOps.h"

namespace hel {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

int significandBits(DType dtype) {
  switch (dtype) {
    case DType::Float16: return 11;
    case DType::BFloat16: return 8;
    case DType::Float32: return 24;
    default: return 53;
  }
}

// A fresh tensor filled in row-major order with draw(), converted to its dtype.
template <class Draw>
Tensor generate(const Shape& shape, DType dtype, Device device, Draw draw) {
  Tensor out = Tensor::empty(shape, dtype, device);
  if (out.isMeta()) return out;
  visitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) data[i] = scalar::convert<T>(draw());
  });
  return out;
}

}  // namespace

void Generator::manualSeed(uint64_t seed) {
  for (uint64_t& word : state_) word = splitmix64(seed);
}

uint64_t Generator::next() {
  uint64_t result = rotl(state_[1] * 5, 7) * 9;
  uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Generator::uniform(int bits) {
  // Multiplying by 2^-bits is exact (and much faster than ldexp).
  return static_cast<double>(next() >> (64 - bits)) * (1.0 / static_cast<double>(uint64_t{1} << bits));
}

std::pair<double, double> Generator::normalPair() {
  double u, v, s;
  do {
    u = 2 * uniform() - 1;
    v = 2 * uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  double factor = std::sqrt(-2 * std::log(s) / s);
  return {u * factor, v * factor};
}

uint64_t Generator::below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so that every value is equally likely.
  uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return x % bound;
}

Generator& defaultGenerator() {
  static Generator generator;
  return generator;
}

void manualSeed(uint64_t seed) { defaultGenerator().manualSeed(seed); }

Tensor rand(const Shape& shape, DType dtype, Device device, Generator& generator) {
  if (!isFloating(dtype)) detail::failUnsupportedDType("uniform", dtype);
  int bits = significandBits(dtype);
  return generate(shape, dtype, device, [&] { return generator.uniform(bits); });
}

Tensor randn(const Shape& shape, DType dtype, Device device, Generator& generator) {
  if (!isFloating(dtype)) detail::failUnsupportedDType("normal", dtype);
  std::optional<double> spare;  // the second value of the last pair
  return generate(shape, dtype, device, [&] {
    if (spare) return *std::exchange(spare, std::nullopt);
    auto [first, second] = generator.normalPair();
    spare = second;
    return first;
  });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype, Device device, Generator& generator) {
  check(low < high, "random_ expects 'from' to be less than 'to', but got from={} >= to={}", low, high);
  uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  return generate(shape, dtype, device,
                  [&] { return static_cast<int64_t>(static_cast<uint64_t>(low) + generator.below(range)); });
}

Tensor randnLike(const Tensor& x, std::optional<DType> dtype, Generator& generator) {
  return randn(x.shape(), dtype.value_or(x.dtype()), x.device(), generator);
}

}  // namespace hel
