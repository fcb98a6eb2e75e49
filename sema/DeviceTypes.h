// The types of device values: tile tensors whose shapes are lists of Dims.
// Each tile is its own dim (LANGUAGE.md §4): `[tile_i]` and `[tile_j]` never
// broadcast together, even when their block sizes are equal. These are the
// shape and dtype rules that lowering applies to every op.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/DType.h"

namespace hel::sema {

struct Dim {
  enum class Kind { Tile, Const };
  Kind kind = Kind::Const;
  int tile = -1;     // Tile: which tile of the loop
  int64_t size = 1;  // Const: the size; Tile: its block size

  static Dim constant(int64_t size) { return {Kind::Const, -1, size}; }
  static Dim ofTile(int tile, int64_t blockSize) { return {Kind::Tile, tile, blockSize}; }
  bool isOne() const { return kind == Kind::Const && size == 1; }
  bool operator==(const Dim& other) const {
    return kind == other.kind && (kind == Kind::Tile ? tile == other.tile : size == other.size);
  }
  bool operator!=(const Dim& other) const { return !(*this == other); }
};

using DimList = std::vector<Dim>;

// The size a dim occupies in tile IR: the next power of two (masks cover the rest).
int64_t paddedSize(int64_t size);
std::vector<int64_t> paddedShape(const DimList& dims);

// `[tile_m, tile_n]`, `[tile_batch, 4]`; tileNames[i] names tile i.
std::string dimsToString(const DimList& dims, const std::vector<std::string>& tileNames);

// PyTorch's broadcasting over Dims (aligned from the right; a const 1 stretches).
// On a conflict returns nullopt and sets the conflicting positions (counted from the
// right, 0 = last dim).
std::optional<DimList> broadcastDims(const DimList& a, const DimList& b, size_t* conflictFromRight = nullptr);

// The dims after reducing `axes` (already normalized), with keepdim.
DimList reducedDims(const DimList& dims, const std::vector<int64_t>& axes, bool keepdim);

// Normalizes a possibly negative dim index; nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

}  // namespace hel::sema
