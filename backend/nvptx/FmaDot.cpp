// The dot on FMAs, acc[M, N] += a[M, K] @ b[K, N] where the tensor cores do
// not apply (TensorCore.cpp).
//
// f32 matrices take the blocked dot, as a tuned SGEMM does: each thread
// accumulates a block of up to 8x16 elements (fmaDotLayout) and, per step of
// up to four along K, reads one vector of a for each of its rows and one of
// b for each of its column vectors and K row, all from shared memory (ring
// slots filled by cp.async, or staged), so that each element read feeds
// several FMAs. Other dots (integers, f64, 16-bit accumulators, tiles too
// small to block) take the generic dot: both operands written row-major to
// shared memory, then one FMA per accumulator slot and K step, each reading
// its own two elements.
//
// The blocked dot's speed is ptxas's register allocation: an FFMA reads its
// sources from two register banks (even and odd registers) and stalls a cycle
// where two of them share one, unless one came from the operand reuse cache
// (the same register in the same operand slot as the instruction before). So:
// - the FMAs of a step go row by row, a thread's columns reversed on every
//   other row (serpentine, as CUTLASS's SIMT MMA): a's element is reused along
//   its row, b's at each turn; each FMA reads b's element and the accumulator.
// - b's elements come from 16-byte vectors (even, odd, even, odd registers),
//   and ptxas keeps the accumulators where the code after the loop wants
//   them; the epilogue's 16-byte stores would want each column's accumulator
//   in the same bank as its b element. rebankAccumulators hands them to that
//   code through shared memory as swapped pairs, so that they live in the
//   other bank.
// - ptxas -O1 keeps that allocation through the unrolled K steps, where -O3
//   renames the accumulators at will (the kernel's PTX asks for -O1: Codegen).
// H100, f32 4096^3 (bench/matmul/RESULTS.md): FFMAs with a bank conflict
// from 67 % to 8 % and 3.27 ms to 2.69 at [64, 128, 32] (the best tile now),
// from 41 % to 9 % and 3.06 ms to 2.73 at [128, 64, 32].
#include <algorithm>
#include <numeric>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {

void KernelCodegen::dot(const tir::Op& op) {
  if (std::optional<MmaLayouts> mma = layouts_.tensorCoreLayouts(op)) return tensorCoreDot(op, *mma);
  if (std::optional<Layout> blocked = layouts_.blockedFmaLayout(op)) return blockedFmaDot(op, *blocked);
  const tir::Value* a = op.operand(0);
  const tir::Value* c = op.operand(1);
  const tir::Type& aType = a->type();
  const tir::Type& cType = c->type();
  const tir::Type& outType = op.result()->type();
  DType input = aType.dtype;
  DType accType = outType.dtype;
  bool batched = aType.rank() == 3;
  uint32_t m = static_cast<uint32_t>(aType.shape[batched ? 1 : 0]);
  uint32_t k = static_cast<uint32_t>(aType.shape.back());
  uint32_t n = static_cast<uint32_t>(cType.shape.back());
  Layout layout = *layouts_.layoutOf(op.result());
  Slots acc = get(op.operand(2), layout);
  Layout aLayout = layouts_.layoutOrPreferred(a);
  Layout cLayout = layouts_.layoutOrPreferred(c);
  Slots aSlots = get(a, aLayout);
  Slots cSlots = get(c, cLayout);
  int64_t aBytes = (aType.numElements() * bytesOf(input) + 15) / 16 * 16;
  barrier();
  spill(aSlots, aLayout, aType, 0);
  spill(cSlots, cLayout, cType, aBytes);
  barrier();
  Slots batch = batched ? coordinate(layout, outType.shape, 0) : Slots{};
  Slots rows = coordinate(layout, outType.shape, batched ? 1 : 0);
  Slots columns = coordinate(layout, outType.shape, batched ? 2 : 1);
  // Where each slot's row of a and column of c start (row-major), then one
  // loop over k whose step is an outer product into every slot's accumulator.
  Slots aRows, cColumns;
  for (int64_t slot = 0; slot < layout.slots(); ++slot) {
    llvm::Value* aRow = b_.CreateMul(rows[slot], b_.getInt32(k));
    llvm::Value* cColumn = columns[slot];
    if (batched) {
      aRow = b_.CreateAdd(aRow, b_.CreateMul(batch[slot], b_.getInt32(m * k)));
      cColumn = b_.CreateAdd(cColumn, b_.CreateMul(batch[slot], b_.getInt32(k * n)));
    }
    aRows.push_back(aRow);
    cColumns.push_back(cColumn);
  }
  Slots out = countedLoop(k, acc, [&](llvm::Value* kk, const Slots& sums) {
    llvm::Value* cRow = b_.CreateMul(kk, b_.getInt32(n));
    Slots next;
    for (size_t slot = 0; slot < sums.size(); ++slot) {
      llvm::Value* x = cast(readShared(0, b_.CreateAdd(aRows[slot], kk), input), input, accType);
      llvm::Value* y = cast(readShared(aBytes, b_.CreateAdd(cColumns[slot], cRow), input), input, accType);
      if (isFloating(accType)) {
        llvm::Value* wideSum = toFloat(sums[slot], accType);
        llvm::Value* product = b_.CreateIntrinsic(llvm::Intrinsic::fma, {wideSum->getType()},
                                                  {toFloat(x, accType), toFloat(y, accType), wideSum});
        next.push_back(fromFloat(product, accType));
      } else {
        next.push_back(b_.CreateAdd(sums[slot], b_.CreateMul(x, y)));
      }
    }
    return next;
  });
  tiles_[op.result()] = out;
}

void KernelCodegen::blockedFmaDot(const tir::Op& op, const Layout& layout) {
  const tir::Value* operands[] = {op.operand(0), op.operand(1)};
  std::vector<int64_t> shapes[] = {*matrixShape(operands[0]->type().shape), *matrixShape(operands[1]->type().shape)};
  int64_t k = shapes[0][1], n = shapes[1][1];
  int kBits = log2Exact(k), nBits = log2Exact(n);
  std::array<llvm::Value*, 2> tiles = operandTiles(op, {true, true}, 128, false);
  bool swizzled[2];
  for (int i = 0; i < 2; ++i) swizzled[i] = !isAsync(operands[i]) || rings_[ringOf_.at(operands[i])].swizzled;
  Slots acc = get(op.operand(2), layout);

  // Each slot's row and column vector (of up to 4 columns: the layout's low
  // column register bits), as indices into the thread's distinct rows and
  // column vectors (their register bits; the thread's bits are common).
  int columnVectorBits = 0;
  while (columnVectorBits < std::min(2, nBits) && layout.bits[columnVectorBits] == Layout::kRegister) ++columnVectorBits;
  int64_t columnWidth = int64_t{1} << columnVectorBits;
  std::vector<int64_t> rows, columnVectors;
  std::vector<size_t> rowOf, columnVectorOf;
  auto indexOf = [](std::vector<int64_t>& list, int64_t value) {
    auto it = std::find(list.begin(), list.end(), value);
    if (it == list.end()) it = list.insert(list.end(), value);
    return static_cast<size_t>(it - list.begin());
  };
  std::vector<int64_t> columnOf;
  for (int64_t slot = 0; slot < layout.slots(); ++slot) {
    int64_t element = layout.elementBitsOfSlot(slot);
    rowOf.push_back(indexOf(rows, element >> nBits));
    columnVectorOf.push_back(indexOf(columnVectors, element & (n - 1) & ~(columnWidth - 1)));
    columnOf.push_back(element & (n - 1));
  }
  // The FMAs' order in a step: by row, columns reversed on odd rows.
  std::vector<int64_t> fmaOrder(static_cast<size_t>(layout.slots()));
  std::iota(fmaOrder.begin(), fmaOrder.end(), 0);
  std::sort(fmaOrder.begin(), fmaOrder.end(), [&](int64_t x, int64_t y) {
    if (rowOf[x] != rowOf[y]) return rowOf[x] < rowOf[y];
    return rowOf[x] % 2 == 0 ? columnOf[x] < columnOf[y] : columnOf[x] > columnOf[y];
  });
  // a is read along K in vectors of up to 4, fewer where the thread has
  // many rows (LLVM's load vectorizer may still merge neighbouring ones).
  int kVectorBits = std::min(kBits, std::clamp(4 - log2Exact(static_cast<int64_t>(rows.size())), 0, 2));
  int64_t kWidth = int64_t{1} << kVectorBits;
  llvm::Value* fromThread = threadElementBits(layout);
  llvm::Value* threadRow = b_.CreateLShr(fromThread, static_cast<uint64_t>(nBits));
  llvm::Value* threadColumn = b_.CreateAnd(fromThread, static_cast<uint64_t>(n - 1));
  auto loadVector = [&](int i, llvm::Value* element, int64_t width) {
    auto* type = llvm::FixedVectorType::get(b_.getFloatTy(), static_cast<unsigned>(width));
    llvm::Value* address = swizzled[i] ? swizzledAddress(tiles[i], element, shapes[i], 4) : rowMajorAddress(tiles[i], element, 4);
    return b_.CreateAlignedLoad(type, address, llvm::Align(static_cast<uint64_t>(width * 4)));
  };
  // One step: kWidth K rows from k0 on.
  auto step = [&](llvm::Value* k0, Slots sums) {
    std::vector<llvm::Value*> aVectors;
    for (int64_t row : rows) {
      llvm::Value* rowIndex = b_.CreateOr(threadRow, static_cast<uint64_t>(row));
      aVectors.push_back(loadVector(0, b_.CreateOr(b_.CreateShl(rowIndex, static_cast<uint64_t>(kBits)), k0), kWidth));
    }
    for (int64_t j = 0; j < kWidth; ++j) {
      llvm::Value* kRow = b_.CreateShl(b_.CreateOr(k0, static_cast<uint64_t>(j)), static_cast<uint64_t>(nBits));
      std::vector<llvm::Value*> bVectors;
      for (int64_t column : columnVectors)
        bVectors.push_back(loadVector(1, b_.CreateOr(b_.CreateOr(kRow, threadColumn), static_cast<uint64_t>(column)), columnWidth));
      for (int64_t slot : fmaOrder) {
        int64_t lane = layout.elementBitsOfSlot(slot) & (columnWidth - 1);
        llvm::Value* x = b_.CreateExtractElement(aVectors[rowOf[slot]], static_cast<uint64_t>(j));
        llvm::Value* y = b_.CreateExtractElement(bVectors[columnVectorOf[slot]], static_cast<uint64_t>(lane));
        sums[slot] = b_.CreateIntrinsic(llvm::Intrinsic::fma, {b_.getFloatTy()}, {x, y, sums[slot]});
      }
    }
    return sums;
  };
  // Up to 16 steps straight-line, where the addresses are constant offsets;
  // longer K tiles in a loop.
  int64_t steps = k / kWidth;
  if (steps <= 16) {
    for (int64_t i = 0; i < steps; ++i) acc = step(b_.getInt32(static_cast<uint32_t>(i * kWidth)), std::move(acc));
  } else {
    acc = countedLoop(steps, acc, [&](llvm::Value* i, const Slots& sums) {
      return step(b_.CreateShl(i, static_cast<uint64_t>(kVectorBits)), sums);
    });
  }
  tiles_[op.result()] = acc;
}

Slots KernelCodegen::rebankAccumulators(const tir::Op& dot, const Layout& layout, const Slots& acc) {
  // Only where each four slots are the columns of one of b's 16-byte vectors.
  int64_t n = matrixShape(dot.operand(1)->type().shape)->back();
  if (n < 4 || layout.bits[0] != Layout::kRegister || layout.bits[1] != Layout::kRegister) return acc;
  // Each thread's 16 bytes of scratch memory, once every thread is past the
  // loop (whose last reads of it may be of rings there); volatile, so that
  // ptxas reads back what it stored rather than forwarding the registers.
  barrier();
  llvm::Value* slot = b_.CreateGEP(b_.getInt8Ty(), scratchTile(0, threads() * 16), b_.CreateShl(threadId_, 4));
  auto* quad = llvm::FixedVectorType::get(b_.getFloatTy(), 4);
  constexpr uint64_t kSwapped[4] = {1, 0, 3, 2};
  Slots out(acc.size());
  for (size_t first = 0; first < acc.size(); first += 4) {
    llvm::Value* stored = llvm::UndefValue::get(quad);
    for (uint64_t i = 0; i < 4; ++i) stored = b_.CreateInsertElement(stored, acc[first + kSwapped[i]], i);
    b_.CreateAlignedStore(stored, slot, llvm::Align(16), /*isVolatile=*/true);
    llvm::Value* loaded = b_.CreateAlignedLoad(quad, slot, llvm::Align(16), /*isVolatile=*/true);
    for (uint64_t i = 0; i < 4; ++i) out[first + kSwapped[i]] = b_.CreateExtractElement(loaded, i);
  }
  // Before anything else uses the scratch memory.
  barrier();
  return out;
}

}  // namespace hel::nvptx
