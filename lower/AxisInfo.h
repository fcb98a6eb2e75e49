// axis-info: what vectorizing a memory access needs to know about its offsets
// and mask along the tile's last (contiguous) dim, after Triton's AxisInfo.
//
// For each integer or i1 value, three powers of two:
//   contiguity   the last dim splits into aligned runs of this length along
//                which the value goes up by one (offsets of a contiguous row);
//   divisibility the first value of each such run is a multiple of it (with
//                contiguity 1: every value is);
//   constancy    the last dim splits into aligned runs of this length of
//                equal values (a mask that is all on or all off per vector).
// Scalars count as constant along any length. A 4-wide vector access is safe
// when the offsets have contiguity and divisibility at least 4, the mask
// constancy at least 4, and the base pointer is aligned to the vector.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "lower/IR.h"

namespace hel::tir {

struct AxisFacts {
  static constexpr int64_t kUnbounded = int64_t{1} << 30;
  int64_t contiguity = 1;
  int64_t divisibility = 1;
  int64_t constancy = 1;
};

class AxisInfo {
 public:
  explicit AxisInfo(const Kernel& kernel);
  // Facts about a value of the kernel (the weakest facts for one not analyzed).
  AxisFacts facts(const Value* value) const;

 private:
  void visit(const Block& block);
  AxisFacts infer(const Op& op) const;
  std::unordered_map<const Value*, AxisFacts> facts_;
};

}  // namespace hel::tir
