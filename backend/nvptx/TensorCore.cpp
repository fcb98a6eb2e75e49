// The tensor-core dot: acc[M, N] += a[M, K] @ b[K, N] with mma.sync m16n8k16,
// f16/bf16 operands and an f32 accumulator (Layout.h's mmaLayouts), or
// m16n8k8 on f32 operands read as tf32 (dot_precision="tf32"). With
// "tf32x3" each f32 operand x is split into big = x with the 13 mantissa bits
// tf32 drops cleared, and small = x - big (exact), which the tensor cores then
// read as tf32; a·b is small_a·big_b + big_a·small_b + big_a·big_b, three
// m16n8k8 a step, smallest first: off by about 2^-20 of each product (small's
// truncation, and the small·small term left out). Rounding big and small to
// nearest instead (cvt.rna's 2^-22) measured a third slower on an H100, and
// closer on one check but not the other: the tensor cores' own f32
// accumulation truncates.
//
// An operand that is not already in its fragment layout (one loaded from
// global memory is in the coalescing layout) is staged through shared memory:
// written row-major with vector stores, then read back with ldmatrix, which
// gives each lane whole fragment registers (ldmatrix.trans for b, whose
// fragments run down K). The rows' 16-byte chunks are XOR-swizzled by row so
// that the eight row addresses of one ldmatrix phase fall in distinct banks.
// Rows wider than 128 bytes are cut into panels of 64 columns, stored one
// after another. For rows of 32, 64 and 128 bytes this is exactly the
// 32-, 64- and 128-byte swizzled layout of Hopper's wgmma (the operand is
// K-major for a, MN-major for b), so wgmma reads the same tiles in place
// through shared-memory descriptors.
//
// With wgmma (sm_90a, a warpgroup's 64 rows or more), a is read from
// registers instead where it already lies in wgmma's register layout (the
// accumulator's: a softmax's probabilities, or a tile loaded for it before
// the loop), and b is read K-major where its ring holds it transposed (a
// tile loaded through a transposed view; AsyncCopy.cpp). tf32 wgmma reads
// shared memory only K-major, so a tf32 dot with a row-major b computes the
// transposed product, acc^T = b^T @ a^T (swappedWgmmaLayouts): a, K-major, is
// wgmma's b, and b's fragments are read from its ring into registers as
// wgmma's a.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {
namespace {

// The elements of a 2-D tile held in `layout` that one vector access moves, in
// the swizzled tile that stores it (or its transpose, `transpose`): slots
// consecutive along a stored row (the layout's lowest bits of that dim are
// registers), within one chunk. `minorBit` is the element bit along the row.
struct StoredRowVector {
  int minorBit;
  int64_t width;
};

StoredRowVector storedRowVector(const Layout& layout, const std::vector<int64_t>& shape, bool transpose,
                                int64_t elementBytes) {
  int rowBits = log2Exact(shape[0]), columnBits = log2Exact(shape[1]);
  int minorBit = transpose ? columnBits : 0, minorBits = transpose ? rowBits : columnBits;
  int chunkBits = log2Exact(kChunkBytes / elementBytes);
  int vectorBits = 0;
  while (vectorBits < std::min(chunkBits, minorBits) && layout.bits[minorBit + vectorBits] == Layout::kRegister) ++vectorBits;
  return {minorBit, int64_t{1} << vectorBits};
}

}  // namespace

llvm::Value* KernelCodegen::swizzledAddress(llvm::Value* tile, llvm::Value* element, const std::vector<int64_t>& shape,
                                            int64_t elementBytes) {
  int64_t panelColumns = kPanelBytes / elementBytes, chunkColumns = kChunkBytes / elementBytes;
  int64_t rows = shape[0], columns = std::min(shape[1], panelColumns);
  llvm::Value* row = b_.CreateLShr(element, static_cast<uint64_t>(log2Exact(shape[1])));
  llvm::Value* column = b_.CreateAnd(element, static_cast<uint64_t>(shape[1] - 1));
  if (shape[1] > panelColumns) {
    llvm::Value* panel = b_.CreateLShr(column, static_cast<uint64_t>(log2Exact(panelColumns)));
    tile = b_.CreateGEP(b_.getInt8Ty(), tile, b_.CreateMul(panel, b_.getInt32(static_cast<uint32_t>(rows * kPanelBytes))));
    column = b_.CreateAnd(column, static_cast<uint64_t>(panelColumns - 1));
  }
  int elementShift = log2Exact(elementBytes);
  if (columns < chunkColumns)  // rows shorter than a chunk: row-major, nothing to swizzle
    return rowMajorAddress(tile, b_.CreateAdd(b_.CreateMul(row, b_.getInt32(static_cast<uint32_t>(columns))), column),
                           elementBytes);
  // Chunks of a row, and how many rows share one 128-byte span of banks.
  int64_t chunks = columns / chunkColumns;
  int64_t rowsPerSpan = std::max<int64_t>(1, 8 / chunks);
  int64_t patterns = std::min<int64_t>(chunks, 8);
  int chunkShift = log2Exact(chunkColumns);
  llvm::Value* swizzle = b_.CreateAnd(b_.CreateLShr(row, static_cast<uint64_t>(log2Exact(rowsPerSpan))),
                                      static_cast<uint64_t>(patterns - 1));
  llvm::Value* chunk = b_.CreateXor(b_.CreateLShr(column, static_cast<uint64_t>(chunkShift)), swizzle);
  llvm::Value* chunkIndex = b_.CreateAdd(b_.CreateMul(row, b_.getInt32(static_cast<uint32_t>(chunks))), chunk);
  llvm::Value* offset =
      b_.CreateAdd(b_.CreateMul(chunkIndex, b_.getInt32(kChunkBytes)),
                   b_.CreateShl(b_.CreateAnd(column, static_cast<uint64_t>(chunkColumns - 1)), static_cast<uint64_t>(elementShift)));
  return b_.CreateGEP(b_.getInt8Ty(), tile, offset);
}

llvm::Value* KernelCodegen::transposedIndex(llvm::Value* element, const std::vector<int64_t>& shape) {
  llvm::Value* row = b_.CreateLShr(element, static_cast<uint64_t>(log2Exact(shape[1])));
  llvm::Value* column = b_.CreateAnd(element, static_cast<uint64_t>(shape[1] - 1));
  return b_.CreateOr(b_.CreateShl(column, static_cast<uint64_t>(log2Exact(shape[0]))), row);
}

llvm::Value* KernelCodegen::rowMajorAddress(llvm::Value* tile, llvm::Value* element, int64_t elementBytes) {
  return b_.CreateGEP(b_.getInt8Ty(), tile, b_.CreateShl(element, static_cast<uint64_t>(log2Exact(elementBytes))));
}

llvm::Value* KernelCodegen::scratchTile(int64_t byteOffset, int64_t bytes) {
  sharedBytes_ = std::max(sharedBytes_, byteOffset + bytes);
  return scratchAddress(byteOffset);
}

void KernelCodegen::stageSwizzled(const Slots& slots, const Layout& layout, const tir::Type& type, llvm::Value* tile,
                                  bool transpose) {
  std::vector<int64_t> shape = *matrixShape(type.shape);
  int64_t elementBytes = bytesOf(type.dtype);
  auto [minorBit, width] = storedRowVector(layout, shape, transpose, elementBytes);
  llvm::Value* fromThread = threadElementBits(layout);
  llvm::Type* vectorType = llvm::FixedVectorType::get(elementType(type.dtype), static_cast<unsigned>(width));
  std::vector<int64_t> stored = transpose ? std::vector<int64_t>{shape[1], shape[0]} : shape;
  for (int64_t first = 0; first < layout.slots(); ++first) {
    int64_t element = layout.elementBitsOfSlot(first);
    if ((element >> minorBit) & (width - 1)) continue;  // not a vector's first element
    llvm::Value* vector = llvm::UndefValue::get(vectorType);
    for (int64_t i = 0; i < width; ++i)
      vector = b_.CreateInsertElement(vector, slots[layout.slotOfElement(element | (i << minorBit))], static_cast<uint64_t>(i));
    llvm::Value* index = b_.CreateOr(fromThread, static_cast<uint64_t>(element));
    if (transpose) index = transposedIndex(index, shape);
    llvm::Value* address = swizzledAddress(tile, index, stored, elementBytes);
    b_.CreateAlignedStore(vector, address, llvm::Align(static_cast<uint64_t>(width * elementBytes)));
  }
}

llvm::Value* KernelCodegen::sharedAddress32(llvm::Value* address) {
  return b_.CreateTrunc(b_.CreatePtrToInt(address, b_.getInt64Ty()), b_.getInt32Ty());
}

std::vector<llvm::Value*> KernelCodegen::loadMatrices(llvm::Value* address, int count, bool transpose) {
  std::string outputs, constraints;
  for (int i = 0; i < count; ++i) {
    outputs += fmt::format("{}${}", i ? ", " : "", i);
    constraints += "=r,";
  }
  std::string text = fmt::format("ldmatrix.sync.aligned.m8n8.x{}{}.shared.b16 {{{}}}, [${}];", count,
                                 transpose ? ".trans" : "", outputs, count);
  std::vector<llvm::Type*> results(static_cast<size_t>(count), b_.getInt32Ty());
  auto* type = llvm::FunctionType::get(llvm::StructType::get(context_, results), {b_.getInt32Ty()}, false);
  llvm::Value* loaded =
      b_.CreateCall(type, llvm::InlineAsm::get(type, text, constraints + "r", true), {sharedAddress32(address)});
  std::vector<llvm::Value*> registers;
  for (int i = 0; i < count; ++i) registers.push_back(b_.CreateExtractValue(loaded, static_cast<unsigned>(i)));
  return registers;
}

Slots KernelCodegen::fragmentsFromShared(const tir::Type& type, const Layout& fragment, bool isB, llvm::Value* tile) {
  // The layout of the row addresses the lanes give ldmatrix: the fragment's
  // layout with the eight elements of a chunk in registers and the lanes
  // picking the rows (a: rows 0-15, then K's upper half; b: K rows 0-15, then
  // N's next 8 where the warp's tile has them).
  int64_t columns = type.shape.back();
  int columnBits = log2Exact(columns);
  Layout rows = fragment;
  for (int bit = 0; bit < 3; ++bit) rows.bits[bit] = Layout::kRegister;
  int count = 4;
  if (!isB) {
    rows.bits[3] = 4;
    for (int bit = 0; bit < 4; ++bit) rows.bits[columnBits + bit] = bit;
  } else {
    for (int bit = 0; bit < 4; ++bit) rows.bits[columnBits + bit] = bit;
    if (columnBits > 3 && fragment.bits[3] == Layout::kRegister) rows.bits[3] = 4;
    else count = 2;
  }
  // The matrix each ldmatrix register comes from, as element bits: its first
  // bit moves 8 rows down (a's M, b's K), its second 8 columns on.
  auto matrixBits = [&](int matrix) -> int64_t {
    return (int64_t{matrix & 1} << (columnBits + 3)) | (int64_t{(matrix >> 1) & 1} << 3);
  };
  // Within a register, the second half is the next column (a) or K row (b).
  int64_t secondHalf = isB ? int64_t{1} << columnBits : 1;
  llvm::Value* fromThread = threadElementBits(rows);
  Slots out(static_cast<size_t>(fragment.slots()));
  llvm::Type* pair = llvm::FixedVectorType::get(elementType(type.dtype), 2);
  for (int64_t slot = 0; slot < rows.slots(); ++slot) {
    int64_t fromSlot = rows.elementBitsOfSlot(slot);
    if (fromSlot & 7) continue;  // one ldmatrix per chunk-aligned row set
    llvm::Value* element = b_.CreateOr(fromThread, static_cast<uint64_t>(fromSlot));
    llvm::Value* address = swizzledAddress(tile, element, *matrixShape(type.shape), 2);
    std::vector<llvm::Value*> registers = loadMatrices(address, count, isB);
    for (int matrix = 0; matrix < count; ++matrix) {
      llvm::Value* halves = b_.CreateBitCast(registers[static_cast<size_t>(matrix)], pair);
      int64_t first = fromSlot | matrixBits(matrix);
      out[static_cast<size_t>(fragment.slotOfElement(first))] = b_.CreateExtractElement(halves, uint64_t{0});
      out[static_cast<size_t>(fragment.slotOfElement(first | secondHalf))] = b_.CreateExtractElement(halves, uint64_t{1});
    }
  }
  return out;
}

Slots KernelCodegen::elementsFromShared(const tir::Type& type, const Layout& layout, llvm::Value* tile, bool transposed) {
  std::vector<int64_t> shape = *matrixShape(type.shape);
  int64_t elementBytes = bytesOf(type.dtype);
  auto [minorBit, width] = storedRowVector(layout, shape, transposed, elementBytes);
  llvm::Value* fromThread = threadElementBits(layout);
  llvm::Type* loaded = elementType(type.dtype);
  if (width > 1) loaded = llvm::FixedVectorType::get(loaded, static_cast<unsigned>(width));
  std::vector<int64_t> stored = transposed ? std::vector<int64_t>{shape[1], shape[0]} : shape;
  Slots out(static_cast<size_t>(layout.slots()));
  for (int64_t first = 0; first < layout.slots(); ++first) {
    int64_t element = layout.elementBitsOfSlot(first);
    if ((element >> minorBit) & (width - 1)) continue;  // not a vector's first element
    llvm::Value* index = b_.CreateOr(fromThread, static_cast<uint64_t>(element));
    if (transposed) index = transposedIndex(index, shape);
    llvm::Value* vector = b_.CreateAlignedLoad(loaded, swizzledAddress(tile, index, stored, elementBytes),
                                               llvm::Align(static_cast<uint64_t>(width * elementBytes)));
    for (int64_t i = 0; i < width; ++i)
      out[static_cast<size_t>(layout.slotOfElement(element | (i << minorBit)))] =
          width == 1 ? vector : b_.CreateExtractElement(vector, static_cast<uint64_t>(i));
  }
  return out;
}

llvm::Value* KernelCodegen::matrixDescriptor(llvm::Value* tile, int64_t rowBytes, int64_t leadingBytes) {
  // Start address, leading and stride byte offsets, all in 16-byte units; the
  // stride is that of 8-row groups; swizzle mode 1, 2 or 3 for 128, 64 or 32 bytes.
  uint64_t mode = rowBytes == 128 ? 1 : rowBytes == 64 ? 2 : 3;
  uint64_t fixed = (static_cast<uint64_t>(leadingBytes >> 4) << 16) | (static_cast<uint64_t>(8 * rowBytes >> 4) << 32) |
                   (mode << 62);
  llvm::Value* start = b_.CreateLShr(b_.CreateAnd(sharedAddress32(tile), 0x3FFFF), 4);
  return b_.CreateOr(b_.CreateZExt(start, b_.getInt64Ty()), fixed);
}

llvm::Value* KernelCodegen::packHalves(llvm::Value* low, llvm::Value* high, DType dtype) {
  // Two f32 values rounded to 16 bits (softmax's p for its second dot): one
  // cvt of the pair (sm_80+) instead of a cvt each and a move to pack them.
  auto* lowRounded = llvm::dyn_cast<llvm::FPTruncInst>(low);
  auto* highRounded = llvm::dyn_cast<llvm::FPTruncInst>(high);
  if (lowRounded && highRounded && lowRounded->getSrcTy()->isFloatTy() && highRounded->getSrcTy()->isFloatTy()) {
    auto* type = llvm::FunctionType::get(b_.getInt32Ty(), {b_.getFloatTy(), b_.getFloatTy()}, false);
    std::string text = fmt::format("cvt.rn.{}x2.f32 $0, $1, $2;", dtype == DType::BFloat16 ? "bf16" : "f16");
    // The first source goes to the upper half.
    return b_.CreateCall(type, llvm::InlineAsm::get(type, text, "=r,f,f", false),
                         {highRounded->getOperand(0), lowRounded->getOperand(0)});
  }
  llvm::Type* pair = llvm::FixedVectorType::get(elementType(dtype), 2);
  llvm::Value* vector = b_.CreateInsertElement(llvm::UndefValue::get(pair), low, uint64_t{0});
  return b_.CreateBitCast(b_.CreateInsertElement(vector, high, uint64_t{1}), b_.getInt32Ty());
}

std::array<llvm::Value*, 2> KernelCodegen::operandTiles(const tir::Op& dot, std::array<bool, 2> wanted, int64_t alignment,
                                                      bool forAsyncProxy, bool transposeB, llvm::Value* buffer) {
  std::array<llvm::Value*, 2> tiles = {nullptr, nullptr};
  int64_t offset = 0;
  bool staged = false;
  for (int i = 0; i < 2; ++i) {
    if (!wanted[static_cast<size_t>(i)]) continue;
    const tir::Value* operand = dot.operand(i);
    if (isAsync(operand)) {
      tiles[i] = ringAddress(operand);
      continue;
    }
    if (!staged) barrier();
    staged = true;
    Layout layout = layouts_.layoutOrPreferred(operand);
    int64_t bytes = (operand->type().numElements() * bytesOf(operand->type().dtype) + alignment - 1) / alignment * alignment;
    int buffers = buffer ? 2 : 1;
    tiles[i] = scratchTile(offset, buffers * bytes);
    if (buffer) tiles[i] = b_.CreateGEP(b_.getInt8Ty(), tiles[i], b_.CreateMul(buffer, b_.getInt32(static_cast<uint32_t>(bytes))));
    stageSwizzled(get(operand, layout), layout, operand->type(), tiles[i], i == 1 && transposeB);
    offset += buffers * bytes;
  }
  if (staged) {
    if (forAsyncProxy) asyncInstruction("fence.proxy.async.shared::cta;");
    barrier();
  }
  return tiles;
}

void KernelCodegen::warpGroupDot(const tir::Op& op, const MmaLayouts& layouts) {
  const Layout& accumulator = layouts.accumulator;
  const tir::Type& aType = op.operand(0)->type();
  const tir::Type& bType = op.operand(1)->type();
  std::vector<int64_t> a = *matrixShape(aType.shape), b = *matrixShape(bType.shape);
  int64_t m = a[0], k = a[1], n = b[1];
  int nBits = log2Exact(n), kBits = log2Exact(k);
  bool swapped = layouts.swapped;
  // The instructions' rows (64 a tile, each warpgroup its own) and columns:
  // M and N, or N and M for the transposed product.
  int64_t rows = swapped ? n : m, columns = swapped ? m : n;

  // wgmma's a from registers where it is computed in their layout already (or
  // has no layout of its own), or where it is the swapped product's b; else
  // both operands in shared memory, made visible to wgmma's (async proxy) reads.
  const tir::Value* operands[] = {op.operand(0), op.operand(1)};
  const Layout* aLayout = layouts_.layoutOf(operands[0]);
  bool aInRegisters = swapped || (!layouts.tf32 && !isAsync(operands[0]) && (!aLayout || *aLayout == layouts.a));
  // a is K-major (its rows run along K); b MN-major (its rows run along N,
  // hence the transpose flag), or K-major where the ring holds it transposed
  // or, for tf32 (K-major only), where it is staged transposed; swapped, a
  // (K-major) is wgmma's b.
  bool bInRingTransposed = transposedInRing_.count(operands[1]) != 0;
  bool bStagedTransposed = layouts.transposesB() && !bInRingTransposed;
  bool bKMajor = swapped || bInRingTransposed || bStagedTransposed;
  // A staged b alternates between two buffers where the instructions stay in
  // flight into the next iteration, which then stages into the other one.
  llvm::Value* buffer = stagesDoubleBuffered(op) ? iterationParity(*op.parentBlock()->parentOp()) : nullptr;
  Slots acc = get(op.operand(2), accumulator);
  // The swapped product's registers are read again by the instructions left
  // in flight: those must be done before this iteration loads the next ones.
  if (swapped && keepsInFlight(op)) acc = waitForWarpGroupMma(acc, 0);
  // Its fragments before a is staged: a layout conversion goes through the
  // same scratch memory.
  Slots aRegisters;
  if (swapped)
    aRegisters = isAsync(operands[1]) ? elementsFromShared(bType, layouts.b, ringAddress(operands[1]), false)
                                      : get(operands[1], layouts.b);
  std::array<llvm::Value*, 2> tiles =
      operandTiles(op, {swapped || !aInRegisters, !swapped}, kSwizzleAtomBytes, true, bStagedTransposed, buffer);
  int64_t elementBytes = bytesOf(aType.dtype);
  int64_t aRowBytes = std::min(k * elementBytes, kPanelBytes);
  int64_t bRowBytes = std::min((bKMajor ? k : n) * elementBytes, kPanelBytes);
  int64_t groupRows = rows >> (threadBits_ - 7);
  llvm::Value* aDescriptor = nullptr;
  llvm::Value* bDescriptor = nullptr;
  if (swapped) {
    bDescriptor = matrixDescriptor(tiles[0], aRowBytes, 16);
  } else {
    if (aInRegisters) {
      aRegisters = get(operands[0], layouts.a);
    } else {
      llvm::Value* group = b_.CreateLShr(threadId_, 7);
      llvm::Value* aTile = b_.CreateGEP(b_.getInt8Ty(), tiles[0],
                                        b_.CreateMul(group, b_.getInt32(static_cast<uint32_t>(groupRows * aRowBytes))));
      aDescriptor = matrixDescriptor(aTile, aRowBytes, 16);
    }
    bDescriptor = matrixDescriptor(tiles[1], bRowBytes, bKMajor ? 16 : k * bRowBytes);
  }
  auto advanced = [&](llvm::Value* descriptor, int64_t bytes) {
    return b_.CreateAdd(descriptor, b_.getInt64(static_cast<uint64_t>(bytes >> 4)));
  };
  // The element of the dot's [M, N] accumulator at an instruction's row and column.
  auto element = [&](int64_t row, int64_t column) { return swapped ? (column << nBits) | row : (row << nBits) | column; };

  int64_t perTile = columns / 2;  // accumulator registers of one 64-row instruction tile
  // Each instruction takes 32 bytes of K: 16 halves or 8 tf32.
  int64_t kStep = 32 / elementBytes;
  int64_t rowTiles = groupRows / 64, kSteps = k / kStep;
  std::vector<int64_t> accSlots;
  for (int64_t tile = 0; tile < rowTiles; ++tile)
    for (int64_t i = 0; i < perTile; ++i) {
      // Register i: columns 8 (i / 4) + (i & 1), row 8 ((i >> 1) & 1), of this lane's.
      int64_t row = tile * 64 + ((i >> 1) & 1) * 8, column = (i >> 2) * 8 + (i & 1);
      accSlots.push_back(accumulator.slotOfElement(element(row, column)));
    }
  int64_t registers = static_cast<int64_t>(accSlots.size());
  std::vector<llvm::Value*> inputs;
  std::vector<llvm::Type*> outputTypes(static_cast<size_t>(registers), b_.getFloatTy());
  std::vector<llvm::Type*> inputTypes(static_cast<size_t>(registers), b_.getFloatTy());
  std::string constraints;
  for (int64_t i = 0; i < registers; ++i) constraints += "=f,";
  for (int64_t i = 0; i < registers; ++i) {
    constraints += fmt::format("{},", i);
    inputs.push_back(acc[static_cast<size_t>(accSlots[static_cast<size_t>(i)])]);
  }
  auto operand = [&](llvm::Value* value) {
    constraints += value->getType()->isIntegerTy(64) ? "l," : "r,";
    inputTypes.push_back(value->getType());
    inputs.push_back(value);
    return fmt::format("${}", registers + static_cast<int64_t>(inputs.size()) - 1);
  };
  // wgmma's a from registers: four .b32 registers, rows +0 and +8 (bit 0),
  // columns +0 and +8 of 16-bit pairs or +0 and +4 of tf32 (bit 1).
  auto registerA = [&](int64_t tile, int64_t step) {
    std::string text;
    for (int half = 0; half < 4; ++half) {
      int64_t row = tile * 64 + (half & 1) * 8, column = step * kStep + (half >> 1) * (kStep / 2);
      llvm::Value* value;
      if (swapped) {
        value = b_.CreateBitCast(aRegisters[static_cast<size_t>(layouts.b.slotOfElement((column << nBits) | row))],
                                 b_.getInt32Ty());
      } else {
        int64_t at = (row << kBits) | column;
        value = packHalves(aRegisters[static_cast<size_t>(layouts.a.slotOfElement(at))],
                           aRegisters[static_cast<size_t>(layouts.a.slotOfElement(at | 1))], aType.dtype);
      }
      text += (half ? ", " : "{") + operand(value);
    }
    return text + "}";
  };
  const char* type = layouts.tf32 ? "tf32" : aType.dtype == DType::Float16 ? "f16" : "bf16";
  // One asm statement from the fence to the wait, so that nothing touches
  // the accumulator registers while the instructions are in flight.
  // The predicate scale-d: add to the accumulator (from a register, as setp wants).
  std::string text =
      fmt::format("{{\n.reg .pred p;\nsetp.ne.b32 p, {}, 0;\nwgmma.fence.sync.aligned;\n", operand(b_.getInt32(1)));
  for (int64_t step = 0; step < kSteps; ++step) {
    // K step: 32 bytes along the rows of a K-major tile (the next panel every
    // 128 bytes), 16 rows down an MN-major one (16-bit only).
    auto kMajorStep = [&](int64_t tileRows, int64_t rowBytes) {
      return (step * 32 / kPanelBytes) * tileRows * rowBytes + step * 32 % kPanelBytes;
    };
    std::string bOperand;
    if (swapped) bOperand = operand(advanced(bDescriptor, kMajorStep(m, aRowBytes)));
    else bOperand = operand(advanced(bDescriptor, bKMajor ? kMajorStep(n, bRowBytes) : step * 16 * bRowBytes));
    for (int64_t tile = 0; tile < rowTiles; ++tile) {
      std::string aOperand = aInRegisters ? registerA(tile, step)
                                          : operand(advanced(aDescriptor, kMajorStep(m, aRowBytes) + tile * 64 * aRowBytes));
      std::string outputs;
      for (int64_t i = 0; i < perTile; ++i) outputs += fmt::format("{}${}", i ? ", " : "", tile * perTile + i);
      // imm-trans-a only where a is a descriptor; no transposes for tf32.
      std::string transposes = layouts.tf32 ? "" : fmt::format(", {}{}", aInRegisters ? "" : "0, ", bKMajor ? 0 : 1);
      text += fmt::format("wgmma.mma_async.sync.aligned.m64n{}k{}.f32.{}.{} {{{}}}, {}, {}, p, 1, 1{};\n", columns, kStep,
                          type, type, outputs, aOperand, bOperand, transposes);
    }
  }
  text += "wgmma.commit_group.sync.aligned;\n}";
  constraints.pop_back();
  auto* asmType = llvm::FunctionType::get(llvm::StructType::get(context_, outputTypes), inputTypes, false);
  llvm::Value* result = b_.CreateCall(asmType, llvm::InlineAsm::get(asmType, text, constraints + ",~{memory}", true), inputs);
  for (int64_t i = 0; i < registers; ++i)
    acc[static_cast<size_t>(accSlots[static_cast<size_t>(i)])] = b_.CreateExtractValue(result, static_cast<unsigned>(i));
  // Operands in rings: this K step's instructions may run on while the next
  // one's copies are waited for; the loop's exit waits for them (emitFor).
  tiles_[op.result()] = waitForWarpGroupMma(acc, keepsInFlight(op) ? 1 : 0);
}

bool KernelCodegen::keepsInFlight(const tir::Op& dot) const {
  std::optional<MmaLayouts> layouts = layouts_.tensorCoreLayouts(dot);
  return layouts && layouts->warpGroup && isAsync(dot.operand(0)) && (isAsync(dot.operand(1)) || stagesDoubleBuffered(dot));
}

bool KernelCodegen::stagesDoubleBuffered(const tir::Op& dot) const {
  std::optional<MmaLayouts> layouts = layouts_.tensorCoreLayouts(dot);
  const tir::Op* loop = dot.parentBlock()->parentOp();
  return layouts && layouts->warpGroup && layouts->transposesB() && isAsync(dot.operand(0)) &&
         !isAsync(dot.operand(1)) && loop && pendingGroups_.count(loop);
}

llvm::Value* KernelCodegen::iterationParity(const tir::Op& loop) {
  llvm::Value* iteration = b_.CreateUDiv(b_.CreateSub(scalar(loop.regions()[0]->body().argument(0)), scalar(loop.operand(0))),
                                         scalar(loop.operand(2)));
  return b_.CreateAnd(b_.CreateTrunc(iteration, b_.getInt32Ty()), 1);
}

Slots KernelCodegen::waitForWarpGroupMma(Slots accumulator, int pending) {
  // The accumulator passes through the wait, so that nothing reads it earlier.
  std::string constraints;
  for (size_t i = 0; i < accumulator.size(); ++i) constraints += "=f,";
  for (size_t i = 0; i < accumulator.size(); ++i) constraints += fmt::format("{},", i);
  constraints += "~{memory}";
  std::vector<llvm::Type*> types(accumulator.size(), b_.getFloatTy());
  auto* type = llvm::FunctionType::get(llvm::StructType::get(context_, types), types, false);
  llvm::Value* result = b_.CreateCall(
      type, llvm::InlineAsm::get(type, fmt::format("wgmma.wait_group.sync.aligned {};", pending), constraints, true),
      accumulator);
  for (size_t i = 0; i < accumulator.size(); ++i) accumulator[i] = b_.CreateExtractValue(result, static_cast<unsigned>(i));
  return accumulator;
}

void KernelCodegen::tensorCoreDot(const tir::Op& op, const MmaLayouts& layouts) {
  if (layouts.warpGroup) return warpGroupDot(op, layouts);
  const tir::Type& aType = op.operand(0)->type();
  const tir::Type& cType = op.operand(1)->type();
  DType input = aType.dtype;
  int64_t k = aType.shape.back(), n = cType.shape.back();
  int kBits = log2Exact(k), nBits = log2Exact(n);

  // The operands in their fragment layouts: those in rings (AsyncCopy.cpp)
  // read from there; those computed in other layouts through shared memory,
  // with one barrier pair for both. A tf32 dot's b is staged transposed
  // (K-major), and its fragments are read element by element (ldmatrix.trans
  // moves 16-bit elements): in the 128-byte swizzle a warp's 8 rows by 4
  // columns fall in distinct banks.
  const tir::Value* operands[] = {op.operand(0), op.operand(1)};
  const Layout* fragments[] = {&layouts.a, &layouts.b};
  int64_t elementBytes = bytesOf(input);
  auto fromShared = [&](int i, llvm::Value* tile) {
    return layouts.tf32 ? elementsFromShared(operands[i]->type(), *fragments[i], tile, i == 1)
                        : fragmentsFromShared(operands[i]->type(), *fragments[i], i == 1, tile);
  };
  Slots fragmentSlots[2];
  bool staged[2];
  int64_t offsets[2] = {0, (aType.numElements() * elementBytes + 127) / 128 * 128};
  for (int i = 0; i < 2; ++i) {
    const Layout* own = layouts_.layoutOf(operands[i]);
    staged[i] = !isAsync(operands[i]) && own && *own != *fragments[i];
    if (isAsync(operands[i]))
      fragmentSlots[i] = fromShared(i, ringAddress(operands[i]));
    else if (!staged[i])
      fragmentSlots[i] = get(operands[i], *fragments[i]);
  }
  if (staged[0] || staged[1]) {
    barrier();
    llvm::Value* tiles[2];
    for (int i = 0; i < 2; ++i)
      if (staged[i]) {
        tiles[i] = scratchTile(offsets[i], operands[i]->type().numElements() * elementBytes);
        stageSwizzled(tiles_.at(operands[i]), *layouts_.layoutOf(operands[i]), operands[i]->type(), tiles[i],
                      layouts.tf32 && i == 1);
      }
    barrier();
    for (int i = 0; i < 2; ++i)
      if (staged[i]) fragmentSlots[i] = fromShared(i, tiles[i]);
  }
  Slots& a = fragmentSlots[0];
  Slots& c = fragmentSlots[1];
  // tf32x3: the small parts, beside a and c cut to their big ones.
  Slots aSmall, cSmall;
  if (layouts.tf32x3) {
    auto split = [&](Slots& values, Slots& small) {
      for (llvm::Value*& value : values) {
        llvm::Value* big = b_.CreateBitCast(b_.CreateAnd(b_.CreateBitCast(value, b_.getInt32Ty()), 0xFFFFE000u), b_.getFloatTy());
        small.push_back(b_.CreateFSub(value, big));
        value = big;
      }
    };
    split(a, aSmall);
    split(c, cSmall);
  }
  Slots acc = get(op.operand(2), layouts.accumulator);
  auto pack = [&](llvm::Value* low, llvm::Value* high) { return packHalves(low, high, input); };
  auto bits = [&](llvm::Value* value) { return b_.CreateBitCast(value, b_.getInt32Ty()); };
  // m16n8k16 on halves, m16n8k8 on tf32: the same registers, a 4, b 2, c and d 4.
  int64_t kStep = layouts.tf32 ? 8 : 16;
  const char* type = layouts.tf32 ? "tf32" : input == DType::Float16 ? "f16" : "bf16";
  std::string text = fmt::format(
      "mma.sync.aligned.m16n8k{1}.row.col.f32.{0}.{0}.f32 {{$0, $1, $2, $3}}, {{$4, $5, $6, $7}}, {{$8, $9}}, "
      "{{$10, $11, $12, $13}};",
      type, kStep);
  llvm::Type* f32 = b_.getFloatTy();
  llvm::Type* i32 = b_.getInt32Ty();
  auto* mmaType = llvm::FunctionType::get(llvm::StructType::get(context_, {f32, f32, f32, f32}),
                                          {i32, i32, i32, i32, i32, i32, f32, f32, f32, f32}, false);
  auto* mma = llvm::InlineAsm::get(mmaType, text, "=f,=f,=f,=f,r,r,r,r,r,r,0,1,2,3", false);
  const Layout& out = layouts.accumulator;
  for (int64_t base = 0; base < out.slots(); ++base) {
    // Each instruction tile once: from its slot with column bit 0 and row bit 3 clear.
    int64_t element = out.elementBitsOfSlot(base);
    int64_t column = element & (n - 1), row = element >> nBits;
    if ((column & 1) || (row & 8)) continue;
    int64_t cSlots[4];
    for (int i = 0; i < 4; ++i) cSlots[i] = out.slotOfElement(((row | (i >> 1) * 8) << nBits) | (column | (i & 1)));
    llvm::Value* d[4];
    for (int i = 0; i < 4; ++i) d[i] = acc[cSlots[i]];
    auto multiply = [&](llvm::Value* const aRegisters[4], llvm::Value* const bRegisters[2]) {
      llvm::Value* result = b_.CreateCall(mmaType, mma,
                                          {aRegisters[0], aRegisters[1], aRegisters[2], aRegisters[3], bRegisters[0],
                                           bRegisters[1], d[0], d[1], d[2], d[3]});
      for (unsigned i = 0; i < 4; ++i) d[i] = b_.CreateExtractValue(result, i);
    };
    for (int64_t step = 0; step < k; step += kStep) {
      llvm::Value* aRegisters[4];
      llvm::Value* bRegisters[2];
      if (layouts.tf32) {
        // a's registers i: bit 0 the row half, bit 1 the column half; b's i: the row half.
        auto aRegister = [&](const Slots& from, int i) {
          return bits(from[layouts.a.slotOfElement(((row | (i & 1) * 8) << kBits) | (step | (i >> 1) * 4))]);
        };
        auto bRegister = [&](const Slots& from, int i) {
          return bits(from[layouts.b.slotOfElement(((step | i * 4) << nBits) | column)]);
        };
        for (int i = 0; i < 4; ++i) aRegisters[i] = aRegister(a, i);
        for (int i = 0; i < 2; ++i) bRegisters[i] = bRegister(c, i);
        if (layouts.tf32x3) {
          llvm::Value* aSmallRegisters[4];
          llvm::Value* bSmallRegisters[2];
          for (int i = 0; i < 4; ++i) aSmallRegisters[i] = aRegister(aSmall, i);
          for (int i = 0; i < 2; ++i) bSmallRegisters[i] = bRegister(cSmall, i);
          multiply(aSmallRegisters, bRegisters);
          multiply(aRegisters, bSmallRegisters);
        }
      } else {
        // a's halves i: bit 0 the column pair, bit 1 the row half, bit 2 the column half.
        llvm::Value* aHalves[8];
        for (int i = 0; i < 8; ++i) {
          int64_t aRow = row | ((i >> 1) & 1) * 8, aColumn = step | (i & 1) | ((i >> 2) & 1) * 8;
          aHalves[i] = a[layouts.a.slotOfElement((aRow << kBits) | aColumn)];
        }
        // b's halves i: bit 0 the row pair, bit 1 the row half.
        llvm::Value* bHalves[4];
        for (int i = 0; i < 4; ++i) {
          int64_t bRow = step | (i & 1) | ((i >> 1) & 1) * 8;
          bHalves[i] = c[layouts.b.slotOfElement((bRow << nBits) | column)];
        }
        for (int i = 0; i < 4; ++i) aRegisters[i] = pack(aHalves[2 * i], aHalves[2 * i + 1]);
        for (int i = 0; i < 2; ++i) bRegisters[i] = pack(bHalves[2 * i], bHalves[2 * i + 1]);
      }
      multiply(aRegisters, bRegisters);
    }
    for (int i = 0; i < 4; ++i) acc[cSlots[i]] = d[i];
  }
  tiles_[op.result()] = acc;
}

}  // namespace hel::nvptx
