// How a tile's elements are spread over the threads of a program and the
// registers of each thread.
//
// Tile sizes on the GPU are powers of two, so an element's row-major index is a
// string of bits, and a layout says for each bit where it comes from: a
// register bit (which of the thread's slots holds the element) or a bit of the
// thread id. This is Triton's blocked layout expressed as a bit map (the
// permutation case of its linear layouts): the canonical layout puts up to
// four consecutive elements in one thread's registers (one 16-byte vector for
// f32), the next bits on the lanes of a warp, then on the warps, and the rest
// in more registers, so that a warp's accesses to a contiguous row coalesce.
//
// Thread-id bits that no element bit uses replicate the tile: threads that
// differ only in them hold the same elements. That keeps every slot of every
// thread valid (no guards), at the price of deduplicating stores and atomics.
//
// Registers are numbered in element-bit order: slot bit k is the k-th register
// bit counting from the element index's least significant bit. Two layouts are
// the same exactly when their bit maps are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hel::nvptx {

struct Layout {
  static constexpr int kRegister = -1;
  // For each bit of the element index, least significant first: kRegister or
  // the thread-id bit that selects it.
  std::vector<int> bits;
  int threadBits = 0;  // log2 of the program's threads

  int registerBits() const;
  int64_t slots() const { return int64_t{1} << registerBits(); }
  // The thread-id bits that hold copies (no element bit maps to them).
  uint32_t replicatedThreadMask() const;
  // The element-index bits that register slot `slot` sets.
  int64_t elementBitsOfSlot(int64_t slot) const;
  // The slot of an element whose index has these register bits set (the
  // thread bits of `element` are ignored).
  int64_t slotOfElement(int64_t element) const;

  bool operator==(const Layout& other) const { return bits == other.bits && threadBits == other.threadBits; }
  bool operator!=(const Layout& other) const { return !(*this == other); }
  // `[r r t0 t1 t2 t3 t4 t5 r]`, least significant bit first: for tests and dumps.
  std::string str() const;
};

// log2 of a power of two.
int log2Exact(int64_t value);

// The first element-index bit of each dim (row-major: the last dim's bits are
// the least significant).
std::vector<int> dimBitOffsets(const std::vector<int64_t>& shape);

// The coalescing layout of `shape` for programs of 2^threadBits threads: up to
// two register bits of vector (only when the tile has at least four elements
// per thread), then thread bits in order, then registers.
Layout canonicalLayout(const std::vector<int64_t>& shape, int threadBits);

// `lowRegisters` register bits (at most the tile's bits), then the thread
// bits in order, then registers: canonicalLayout with a vector of one's choosing.
Layout blockedLayout(const std::vector<int64_t>& shape, int threadBits, int lowRegisters);

// For a tile that is computed, never loaded or stored, and reduced along its
// last dim: registers take as many of the last dim's low bits as there are
// elements per thread, so the reduction is mostly within threads (fewer
// shuffles); then thread bits; then registers.
Layout reductionLayout(const std::vector<int64_t>& shape, int threadBits);

// The layouts of a tensor-core dot, acc[M, N] += a[M, K] @ b[K, N], with
// mma.sync m16n8k16: each is the PTX ISA's fragment layout (a thread's
// registers of one 16x16, 16x8 or 16x8 instruction tile) repeated over the
// tile, with the warps split over M (then N); a warp's part of `a` is
// replicated over the warps that split N, and of `b` over those that split M.
// Null when M < 16, N < 8 or K < 16.
struct MmaLayouts {
  Layout a, b, accumulator;
  // wgmma: b is read from shared memory, and so is a unless it is held in
  // `a` (the accumulator's layout with K for N); no `b` fragments.
  bool warpGroup = false;
  // f32 operands read as tf32 (eight K a step), b staged transposed
  // (K-major); with wgmma, a from shared memory too.
  bool tf32 = false;
  // dot_precision="tf32x3" (mma.sync only): each f32 operand split into its
  // tf32 part and the rest, and three products a step (TensorCore.cpp).
  bool tf32x3 = false;
  // tf32 wgmma on the transposed product, acc^T = b^T @ a^T: a (K-major) is
  // read from shared memory as wgmma's b, b from registers (in layout `b`)
  // as its a; `a` is unused. (swappedWgmmaLayouts)
  bool swapped = false;

  // Whether b must be staged transposed (K-major) for the instructions to read
  // it: tf32 reads it only K-major, unless the product is swapped.
  bool transposesB() const { return tf32 && !swapped; }
};
// With tf32, those of mma.sync m16n8k8 on f32 operands (K >= 8).
std::optional<MmaLayouts> mmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits, bool tf32 = false);

// The layouts of Hopper's wgmma m64nNk16 (b stays in shared memory): the
// accumulator gives each warpgroup (four warps) a contiguous block of M, in
// 64-row instruction tiles, each of its warps 16 rows of them, and all of N,
// each warp's part of an instruction tile laid out as mma.sync's accumulator;
// `a` is the same on [M, K], where wgmma takes a from registers (a softmax's
// probabilities, computed in an accumulator's layout, are there already).
// Null unless the threads are whole warpgroups with 64 rows
// each at least, 16 <= N <= 256 and K >= 16.
// With tf32, the layouts of wgmma m64nNk8 on f32 operands (K >= 8).
std::optional<MmaLayouts> wgmmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits, bool tf32 = false);

// tf32 wgmma m64nMk8 with the operands swapped: the transposed accumulator
// acc^T[N, M] takes the accumulator layout of wgmmaLayouts(n, m, k), so each
// warpgroup holds a block of N; b^T[N, K] that of wgmma's a held in registers.
// Both returned transposed back, on [M, N] and [K, N]. tf32 wgmma reads
// shared-memory operands only K-major: a row-major b [K, N] cannot be one,
// but it can be read into registers in any order, while a row-major a
// [M, K] is K-major as wgmma's b. Null where wgmmaLayouts(n, m, k) is.
std::optional<MmaLayouts> swappedWgmmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits);

// A [K, N] tile loaded with the lanes along N (coalesced) and each thread's
// registers along K, `vectorBits` of them lowest: staged transposed ([N, K],
// K-major) as vectors of K, as tf32 wgmma's b must be.
Layout kVectorLayout(const std::vector<int64_t>& shape, int threadBits, int vectorBits);

// The accumulator layout of an FMA dot that reads both operands from shared
// memory (KernelCodegen::blockedFmaDot): each thread a block of rows by columns
// of the [M, N] tile, up to four consecutive columns at a time (one vector of
// b), the rest of the block as far apart as the threads that share the
// dim; the lowest thread bits pick columns, so that a warp's lanes read
// consecutive vectors of b and few rows of a. Null when a thread would hold
// fewer than 4 elements or more than 128.
std::optional<Layout> fmaDotLayout(int64_t m, int64_t n, int threadBits);

// {rows, columns} of a tile that is a matrix: 2-D, or with leading dims of
// size 1 (bmm's batch tile of one), whose element bits are those of the
// matrix; nullopt otherwise.
std::optional<std::vector<int64_t>> matrixShape(const std::vector<int64_t>& shape);

// `layout` of a tile of `shape` without the bits of the dims where `dropped`
// is true: the layout of a reduction's result, or the layout a broadcast's
// size-1 source needs so that the broadcast stays within each thread.
Layout dropDims(const Layout& layout, const std::vector<int64_t>& shape, const std::vector<bool>& dropped);

// For each register bit of `layout` (a tile of `shape`), whether its dim is
// kept (not `dropped`): with compressSlot, where a slot's element lands in
// the tile without those dims.
std::vector<bool> registerBitsKept(const Layout& layout, const std::vector<int64_t>& shape, const std::vector<bool>& dropped);
// `slot` with the register bits that `kept` marks false removed.
int64_t compressSlot(int64_t slot, const std::vector<bool>& kept);

// For each element-index bit of a permute's result (result dim i = source dim
// order[i]), the source's element-index bit it comes from.
std::vector<int> permutedBitSources(const std::vector<int64_t>& sourceShape, const std::vector<int64_t>& order);

// The layout a permute's source (of shape `sourceShape`) needs so that result
// `layout` (result dim i = source dim order[i]) is a relabelling of registers.
Layout unpermuteLayout(const Layout& layout, const std::vector<int64_t>& sourceShape, const std::vector<int64_t>& order);

}  // namespace hel::nvptx
