#include "backend/nvptx/Layout.h"

#include <algorithm>
#include <stdexcept>

namespace hel::nvptx {

int log2Exact(int64_t value) {
  if (value < 1 || (value & (value - 1)) != 0) throw std::logic_error("layout of a size that is not a power of two");
  int bits = 0;
  while ((int64_t{1} << bits) < value) ++bits;
  return bits;
}

int Layout::registerBits() const {
  return static_cast<int>(std::count(bits.begin(), bits.end(), kRegister));
}

uint32_t Layout::replicatedThreadMask() const {
  uint32_t mask = (uint32_t{1} << threadBits) - 1;
  for (int bit : bits)
    if (bit != kRegister) mask &= ~(uint32_t{1} << bit);
  return mask;
}

int64_t Layout::elementBitsOfSlot(int64_t slot) const {
  int64_t element = 0;
  int k = 0;
  for (size_t f = 0; f < bits.size(); ++f) {
    if (bits[f] != kRegister) continue;
    if ((slot >> k) & 1) element |= int64_t{1} << f;
    ++k;
  }
  return element;
}

int64_t Layout::slotOfElement(int64_t element) const {
  int64_t slot = 0;
  int k = 0;
  for (size_t f = 0; f < bits.size(); ++f) {
    if (bits[f] != kRegister) continue;
    if ((element >> f) & 1) slot |= int64_t{1} << k;
    ++k;
  }
  return slot;
}

std::string Layout::str() const {
  std::string text = "[";
  for (size_t f = 0; f < bits.size(); ++f) {
    if (f) text += ' ';
    text += bits[f] == kRegister ? "r" : "t" + std::to_string(bits[f]);
  }
  return text + "]";
}

std::vector<int> dimBitOffsets(const std::vector<int64_t>& shape) {
  std::vector<int> offsets(shape.size());
  int offset = 0;
  for (size_t d = shape.size(); d-- > 0;) {
    offsets[d] = offset;
    offset += log2Exact(shape[d]);
  }
  return offsets;
}

namespace {

// `lowRegisters` register bits, then the thread bits, then registers.
Layout blockedLayout(int elementBits, int threadBits, int lowRegisters) {
  Layout layout;
  layout.threadBits = threadBits;
  for (int f = 0; f < elementBits; ++f) {
    int threadBit = f - lowRegisters;
    layout.bits.push_back(threadBit >= 0 && threadBit < threadBits ? threadBit : Layout::kRegister);
  }
  return layout;
}

int elementBitsOf(const std::vector<int64_t>& shape) {
  int bits = 0;
  for (int64_t size : shape) bits += log2Exact(size);
  return bits;
}

}  // namespace

Layout blockedLayout(const std::vector<int64_t>& shape, int threadBits, int lowRegisters) {
  int elementBits = elementBitsOf(shape);
  return blockedLayout(elementBits, threadBits, std::min(lowRegisters, elementBits));
}

Layout canonicalLayout(const std::vector<int64_t>& shape, int threadBits) {
  int elementBits = elementBitsOf(shape);
  return blockedLayout(elementBits, threadBits, std::clamp(elementBits - threadBits, 0, 2));
}

Layout reductionLayout(const std::vector<int64_t>& shape, int threadBits) {
  int elementBits = elementBitsOf(shape);
  int lastDimBits = shape.empty() ? 0 : log2Exact(shape.back());
  return blockedLayout(elementBits, threadBits, std::clamp(elementBits - threadBits, 0, lastDimBits));
}

std::optional<Layout> fmaDotLayout(int64_t m, int64_t n, int threadBits) {
  int mBits = log2Exact(m), nBits = log2Exact(n);
  int registers = mBits + nBits - threadBits;
  if (registers < 2 || registers > 7) return std::nullopt;
  // Square blocks where the dims allow (as many loads of a as of b), the extra register bit to columns.
  int columnRegisters = std::min(nBits, (registers + 1) / 2);
  int rowRegisters = std::min(mBits, registers - columnRegisters);
  columnRegisters = registers - rowRegisters;
  // A dim's bits: up to two registers, its threads (from firstThread on), the rest registers.
  auto dimBits = [](int bits, int dimRegisters, int firstThread) {
    int low = std::min(2, dimRegisters), threads = bits - dimRegisters;
    std::vector<int> out;
    for (int b = 0; b < bits; ++b)
      out.push_back(b >= low && b < low + threads ? firstThread + (b - low) : Layout::kRegister);
    return out;
  };
  Layout layout;
  layout.threadBits = threadBits;
  layout.bits = dimBits(nBits, columnRegisters, 0);
  std::vector<int> rows = dimBits(mBits, rowRegisters, nBits - columnRegisters);
  layout.bits.insert(layout.bits.end(), rows.begin(), rows.end());
  return layout;
}

std::optional<MmaLayouts> mmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits, bool tf32) {
  int mBits = log2Exact(m), nBits = log2Exact(n), kBits = log2Exact(k);
  if (mBits < 4 || nBits < 3 || kBits < (tf32 ? 3 : 4)) return std::nullopt;
  // Warps over M's bits above the instruction tile first, then N's, alternating.
  int warpsM = 0, warpsN = 0;
  for (int warp = 0; warp < threadBits - 5; ++warp) {
    bool roomM = mBits - 4 > warpsM, roomN = nBits - 3 > warpsN;
    if (roomM && (warpsM <= warpsN || !roomN)) ++warpsM;
    else if (roomN) ++warpsN;
  }
  constexpr int r = Layout::kRegister;
  // Each warp takes a contiguous block of rows and columns (the warps pick
  // the top bits of M and N), so that a warp's fragments of b span 16 columns
  // where N allows, which one ldmatrix.x4 loads.
  // Row (M) bits: lanes 2-4 pick the row in an 8-row group, a register bit
  // the half of the 16 rows, then registers, then M's warps.
  auto rowBits = [&] {
    std::vector<int> bits = {2, 3, 4, r};
    for (int b = 4; b < mBits; ++b) bits.push_back(b >= mBits - warpsM ? 5 + (b - (mBits - warpsM)) : r);
    return bits;
  };
  // N's bits above the 8 columns of an instruction tile: registers, then N's warps.
  auto highColumnBits = [&](std::vector<int>& bits) {
    for (int b = 3; b < nBits; ++b) bits.push_back(b >= nBits - warpsN ? 5 + warpsM + (b - (nBits - warpsN)) : r);
  };
  // K's bits in a and b: a register bit for the pair, lanes 0-1, a register
  // bit for the upper 8, registers beyond (m16n8k8's tf32: no pairs, the
  // register bit picks the upper 4).
  auto reductionBits = [&] {
    std::vector<int> bits = tf32 ? std::vector<int>{0, 1, r} : std::vector<int>{r, 0, 1, r};
    while (static_cast<int>(bits.size()) < kBits) bits.push_back(r);
    return bits;
  };
  auto concat = [&](std::vector<int> low, const std::vector<int>& high) {
    low.insert(low.end(), high.begin(), high.end());
    Layout layout;
    layout.bits = std::move(low);
    layout.threadBits = threadBits;
    return layout;
  };
  std::vector<int> columns = {r, 0, 1};
  highColumnBits(columns);
  std::vector<int> bColumns = {2, 3, 4};
  highColumnBits(bColumns);
  MmaLayouts layouts;
  layouts.accumulator = concat(columns, rowBits());
  layouts.a = concat(reductionBits(), rowBits());
  layouts.b = concat(bColumns, reductionBits());
  layouts.tf32 = tf32;
  return layouts;
}

std::optional<std::vector<int64_t>> matrixShape(const std::vector<int64_t>& shape) {
  if (shape.size() < 2) return std::nullopt;
  for (size_t dim = 0; dim + 2 < shape.size(); ++dim)
    if (shape[dim] != 1) return std::nullopt;
  return std::vector<int64_t>(shape.end() - 2, shape.end());
}

std::optional<MmaLayouts> wgmmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits, bool tf32) {
  int mBits = log2Exact(m), nBits = log2Exact(n), kBits = log2Exact(k);
  int groupBits = threadBits - 7;
  if (groupBits < 0 || mBits - 6 < groupBits || nBits < 4 || nBits > 8 || kBits < (tf32 ? 3 : 4)) return std::nullopt;
  constexpr int r = Layout::kRegister;
  // A [64 x 2^columnBits] tile per instruction: the accumulator's layout, and
  // with K for columns that of an a held in registers.
  auto tiles = [&](int columnBits, std::vector<int> bits) {
    // Columns: `bits` for the lowest (lanes 0-1 in them), registers for the rest.
    bits.resize(static_cast<size_t>(std::min<int>(columnBits, static_cast<int>(bits.size()))));
    for (int b = static_cast<int>(bits.size()); b < columnBits; ++b) bits.push_back(r);
    // M: lanes 2-4 the row in an 8-row group, a register the half of 16 rows,
    // the warp in its group, registers the 64-row tiles, the warpgroup on top.
    for (int b : {2, 3, 4, r, 5, 6}) bits.push_back(b);
    for (int b = 6; b < mBits; ++b) bits.push_back(b >= mBits - groupBits ? 7 + (b - (mBits - groupBits)) : r);
    Layout layout;
    layout.bits = std::move(bits);
    layout.threadBits = threadBits;
    return layout;
  };
  MmaLayouts layouts;
  // The accumulator and 16-bit a: a register for the column pair, lanes 0-1;
  // tf32's a: lanes 0-1 for the columns, a register for the upper four.
  layouts.accumulator = tiles(nBits, {r, 0, 1});
  layouts.a = tiles(kBits, tf32 ? std::vector<int>{0, 1, r} : std::vector<int>{r, 0, 1});
  layouts.warpGroup = true;
  layouts.tf32 = tf32;
  return layouts;
}

std::optional<MmaLayouts> swappedWgmmaLayouts(int64_t m, int64_t n, int64_t k, int threadBits) {
  std::optional<MmaLayouts> transposed = wgmmaLayouts(n, m, k, threadBits, true);
  if (!transposed) return std::nullopt;
  MmaLayouts layouts = *transposed;
  layouts.accumulator = unpermuteLayout(transposed->accumulator, {m, n}, {1, 0});
  layouts.b = unpermuteLayout(transposed->a, {k, n}, {1, 0});
  layouts.a = Layout{};
  layouts.swapped = true;
  return layouts;
}

Layout kVectorLayout(const std::vector<int64_t>& shape, int threadBits, int vectorBits) {
  int kBits = log2Exact(shape[shape.size() - 2]), nBits = log2Exact(shape.back());
  vectorBits = std::min(vectorBits, kBits);
  Layout layout;
  layout.threadBits = threadBits;
  int thread = 0;
  auto next = [&] { return thread < threadBits ? thread++ : Layout::kRegister; };
  for (int b = 0; b < nBits; ++b) layout.bits.push_back(next());
  for (int b = 0; b < kBits; ++b) layout.bits.push_back(b < vectorBits ? Layout::kRegister : next());
  for (size_t d = 0; d + 2 < shape.size(); ++d)
    for (int b = 0; b < log2Exact(shape[d]); ++b) layout.bits.push_back(next());
  return layout;
}

Layout dropDims(const Layout& layout, const std::vector<int64_t>& shape, const std::vector<bool>& dropped) {
  std::vector<int> offsets = dimBitOffsets(shape);
  Layout result;
  result.threadBits = layout.threadBits;
  for (size_t dim = shape.size(); dim-- > 0;) {
    if (dropped.at(dim)) continue;
    for (int b = 0; b < log2Exact(shape[dim]); ++b) result.bits.push_back(layout.bits.at(offsets[dim] + b));
  }
  return result;
}

std::vector<bool> registerBitsKept(const Layout& layout, const std::vector<int64_t>& shape, const std::vector<bool>& dropped) {
  std::vector<int> offsets = dimBitOffsets(shape);
  std::vector<bool> kept;
  for (size_t dim = shape.size(); dim-- > 0;)
    for (int b = 0; b < log2Exact(shape[dim]); ++b)
      if (layout.bits.at(offsets[dim] + b) == Layout::kRegister) kept.push_back(!dropped[dim]);
  return kept;
}

int64_t compressSlot(int64_t slot, const std::vector<bool>& kept) {
  int64_t compressed = 0;
  int k = 0;
  for (size_t bit = 0; bit < kept.size(); ++bit) {
    if (!kept[bit]) continue;
    if ((slot >> bit) & 1) compressed |= int64_t{1} << k;
    ++k;
  }
  return compressed;
}

std::vector<int> permutedBitSources(const std::vector<int64_t>& sourceShape, const std::vector<int64_t>& order) {
  std::vector<int64_t> resultShape;
  for (int64_t axis : order) resultShape.push_back(sourceShape[axis]);
  std::vector<int> sourceOffsets = dimBitOffsets(sourceShape);
  std::vector<int> resultOffsets = dimBitOffsets(resultShape);
  std::vector<int> sources;
  for (size_t i = 0; i < order.size(); ++i)
    for (int b = 0; b < log2Exact(resultShape[i]); ++b) {
      size_t bit = static_cast<size_t>(resultOffsets[i] + b);
      if (sources.size() <= bit) sources.resize(bit + 1);
      sources[bit] = sourceOffsets[order[i]] + b;
    }
  return sources;
}

Layout unpermuteLayout(const Layout& layout, const std::vector<int64_t>& sourceShape, const std::vector<int64_t>& order) {
  std::vector<int> sources = permutedBitSources(sourceShape, order);
  Layout source;
  source.threadBits = layout.threadBits;
  source.bits.resize(layout.bits.size());
  for (size_t f = 0; f < sources.size(); ++f) source.bits[sources[f]] = layout.bits[f];
  return source;
}

}  // namespace hel::nvptx
