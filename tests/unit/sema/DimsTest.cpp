// The shape rules of device values: broadcasting of Dims, reduction results.
#include <catch2/catch.hpp>

#include "sema/DeviceTypes.h"

using namespace hel::sema;

namespace {

const std::vector<std::string> kTiles = {"tile_i", "tile_j"};

std::string shape(const std::optional<DimList>& dims) { return dims ? dimsToString(*dims, kTiles) : "conflict"; }

}  // namespace

TEST_CASE("a tile never broadcasts with another tile, even of the same block size") {
  DimList i = {Dim::ofTile(0, 16)};
  DimList j = {Dim::ofTile(1, 16)};
  size_t conflict = 99;
  CHECK_FALSE(broadcastDims(i, j, &conflict));
  CHECK(conflict == 0);
  CHECK(Dim::ofTile(0, 16) != Dim::ofTile(1, 16));
  CHECK(shape(broadcastDims(i, i)) == "[tile_i]");
}

TEST_CASE("a constant 1 stretches to a tile or a constant; other constants do not") {
  CHECK(shape(broadcastDims({Dim::ofTile(0, 16), Dim::constant(1)}, {Dim::ofTile(1, 32)})) == "[tile_i, tile_j]");
  CHECK(shape(broadcastDims({Dim::constant(1)}, {Dim::constant(4)})) == "[4]");
  CHECK(shape(broadcastDims({Dim::constant(4)}, {Dim::constant(4)})) == "[4]");
  CHECK(shape(broadcastDims({Dim::constant(4)}, {Dim::constant(3)})) == "conflict");
  // A constant equal to a tile's block size is still another dim.
  CHECK(shape(broadcastDims({Dim::constant(16)}, {Dim::ofTile(0, 16)})) == "conflict");
}

TEST_CASE("broadcasting aligns from the right and adds leading dims") {
  CHECK(shape(broadcastDims({Dim::constant(4)}, {Dim::ofTile(0, 8), Dim::constant(4)})) == "[tile_i, 4]");
  CHECK(shape(broadcastDims({}, {Dim::ofTile(1, 8)})) == "[tile_j]");
}

TEST_CASE("a broadcasting conflict reports its position, counted from the right") {
  size_t conflict = 99;
  CHECK_FALSE(broadcastDims({Dim::ofTile(0, 8), Dim::constant(4)}, {Dim::ofTile(1, 8), Dim::constant(4)}, &conflict));
  CHECK(conflict == 1);
  CHECK_FALSE(broadcastDims({Dim::constant(2), Dim::constant(1)}, {Dim::constant(3), Dim::constant(5), Dim::constant(7)},
                            &conflict));
  CHECK(conflict == 1);
}

TEST_CASE("reductions drop their dims, or keep them as 1 with keepdim") {
  DimList dims = {Dim::ofTile(0, 8), Dim::constant(4), Dim::ofTile(1, 16)};
  CHECK(dimsToString(reducedDims(dims, {1}, false), kTiles) == "[tile_i, tile_j]");
  CHECK(dimsToString(reducedDims(dims, {0, 2}, false), kTiles) == "[4]");
  CHECK(dimsToString(reducedDims(dims, {0, 2}, true), kTiles) == "[1, 4, 1]");
  CHECK(dimsToString(reducedDims(dims, {0, 1, 2}, false), kTiles) == "[]");
  CHECK(dimsToString(reducedDims(dims, {}, false), kTiles) == "[tile_i, 4, tile_j]");
}

TEST_CASE("dim indices may be negative; out of range is nullopt") {
  CHECK(normalizeAxis(-1, 3) == 2);
  CHECK(normalizeAxis(0, 3) == 0);
  CHECK_FALSE(normalizeAxis(3, 3));
  CHECK_FALSE(normalizeAxis(-4, 3));
}

TEST_CASE("dims are padded to powers of two in tile IR") {
  CHECK(paddedSize(1) == 1);
  CHECK(paddedSize(200) == 256);
  CHECK(paddedShape({Dim::ofTile(0, 16), Dim::constant(3)}) == std::vector<int64_t>{16, 4});
}
