// Random tensors. One generator algorithm, documented so that runs are reproducible:
// xoshiro256** (Blackman and Vigna), its state filled from the seed by splitmix64.
//   rand:    (next() >> (64 - d)) * 2^-d, d the dtype's significand bits (53 for float64,
//            24 for float32, 11 for float16, 8 for bfloat16): uniform in [0, 1), exact.
//   randn:   Marsaglia's polar method, two values per accepted pair of 53-bit uniforms
//            (u, v in (-1, 1), s = u^2 + v^2 in (0, 1): u f, v f with
//            f = sqrt(-2 ln(s) / s)), rounded to the dtype.
//   randint: low + (rejection-sampled, unbiased) uniform integer below high - low.
// Values are drawn in row-major order. The default generator starts from PyTorch's
// default seed, 67280421310721, so a script without manual_seed is reproducible too.
// The numbers are not PyTorch's.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "runtime/Tensor.h"

namespace hel {

class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;

  explicit Generator(uint64_t seed = kDefaultSeed) { manualSeed(seed); }
  void manualSeed(uint64_t seed);

  uint64_t next();                      // 64 random bits
  double uniform(int bits = 53);        // in [0, 1), a multiple of 2^-bits
  std::pair<double, double> normalPair();  // two independent standard normals
  uint64_t below(uint64_t bound);       // uniform in [0, bound), bound > 0

 private:
  uint64_t state_[4];
};

// The generator of torch.manual_seed and of the functions below by default.
Generator& defaultGenerator();
void manualSeed(uint64_t seed);

Tensor rand(const Shape& shape, DType dtype = kDefaultFloat, Device device = Device::cpu(),
            Generator& generator = defaultGenerator());
Tensor randn(const Shape& shape, DType dtype = kDefaultFloat, Device device = Device::cpu(),
             Generator& generator = defaultGenerator());
// Integers in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = DType::Int64, Device device = Device::cpu(),
               Generator& generator = defaultGenerator());
Tensor randnLike(const Tensor& x, std::optional<DType> dtype = std::nullopt, Generator& generator = defaultGenerator());

}  // namespace hel
