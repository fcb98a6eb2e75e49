// What moves elements between threads. Reductions combine within each thread
// first (registers), then across the lanes of a warp with butterfly shuffles,
// then across warps through shared memory, so that every thread ends with the
// results its slice layout holds. Layout conversions, scans and the generic
// FMA dot (FmaDot.cpp) go through the dynamic shared memory `hel_shared`,
// between barriers; every user starts with a barrier, so the previous user's
// reads are done.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IntrinsicsNVPTX.h>

#include <optional>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {

void KernelCodegen::barrier() { b_.CreateIntrinsic(llvm::Intrinsic::nvvm_barrier0, {}, {}); }

llvm::Value* KernelCodegen::scratchAddress(int64_t byteOffset) {
  return b_.CreateConstGEP1_64(b_.getInt8Ty(), shared_, static_cast<uint64_t>(scratchBase_ + byteOffset));
}

llvm::Value* KernelCodegen::sharedAddress(int64_t byteOffset, llvm::Value* index, DType dtype) {
  return b_.CreateGEP(memoryType(dtype), scratchAddress(byteOffset), index);
}

llvm::Value* KernelCodegen::readShared(int64_t byteOffset, llvm::Value* index, DType dtype) {
  llvm::Value* element = b_.CreateLoad(memoryType(dtype), sharedAddress(byteOffset, index, dtype));
  return dtype == DType::Bool ? b_.CreateICmpNE(element, b_.getInt8(0)) : element;
}

void KernelCodegen::writeShared(int64_t byteOffset, llvm::Value* index, DType dtype, llvm::Value* element) {
  if (dtype == DType::Bool) element = b_.CreateZExt(element, b_.getInt8Ty());
  b_.CreateStore(element, sharedAddress(byteOffset, index, dtype));
}

Slots KernelCodegen::elementIndices(const Layout& layout) {
  llvm::Value* fromThread = threadElementBits(layout);
  Slots indices;
  for (int64_t slot = 0; slot < layout.slots(); ++slot) {
    uint64_t fromSlot = static_cast<uint64_t>(layout.elementBitsOfSlot(slot));
    indices.push_back(fromSlot ? b_.CreateOr(fromThread, fromSlot) : fromThread);
  }
  return indices;
}

void KernelCodegen::spill(const Slots& slots, const Layout& layout, const tir::Type& type, int64_t byteOffset) {
  int64_t bytes = type.numElements() * bytesOf(type.dtype);
  sharedBytes_ = std::max(sharedBytes_, byteOffset + bytes);
  // Threads holding copies write the same values to the same places.
  Slots indices = elementIndices(layout);
  for (size_t slot = 0; slot < slots.size(); ++slot) writeShared(byteOffset, indices[slot], type.dtype, slots[slot]);
}

std::vector<Slots> KernelCodegen::getTogether(const std::vector<std::pair<const tir::Value*, Layout>>& requests) {
  // Those computed in another layout share one shared-memory round trip.
  std::vector<Slots> out(requests.size());
  std::vector<std::pair<size_t, int64_t>> moved;  // request, byte offset
  int64_t offset = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& [value, layout] = requests[i];
    const Layout* own = value->type().isTile() ? layouts_.layoutOf(value) : nullptr;
    if (!own || *own == layout) {
      out[i] = get(value, layout);
      continue;
    }
    moved.emplace_back(i, offset);
    const tir::Type& type = value->type();
    offset += (type.numElements() * bytesOf(type.dtype) + 15) / 16 * 16;
  }
  if (moved.empty()) return out;
  barrier();
  for (const auto& [i, at] : moved) {
    const tir::Value* value = requests[i].first;
    spill(tiles_.at(value), *layouts_.layoutOf(value), value->type(), at);
  }
  barrier();
  for (const auto& [i, at] : moved)
    for (llvm::Value* index : elementIndices(requests[i].second))
      out[i].push_back(readShared(at, index, requests[i].first->type().dtype));
  return out;
}

llvm::Value* KernelCodegen::shuffleXor(llvm::Value* value, int laneMask) {
  llvm::Type* type = value->getType();
  unsigned width = static_cast<unsigned>(type->getPrimitiveSizeInBits());
  auto shuffle32 = [&](llvm::Value* word) {
    return b_.CreateIntrinsic(llvm::Intrinsic::nvvm_shfl_sync_bfly_i32, {},
                              {b_.getInt32(0xffffffffu), word, b_.getInt32(static_cast<uint32_t>(laneMask)), b_.getInt32(0x1f)});
  };
  if (width == 64) {
    llvm::Value* bits = b_.CreateBitCast(value, b_.getInt64Ty());
    llvm::Value* low = shuffle32(b_.CreateTrunc(bits, b_.getInt32Ty()));
    llvm::Value* high = shuffle32(b_.CreateTrunc(b_.CreateLShr(bits, 32), b_.getInt32Ty()));
    llvm::Value* joined = b_.CreateOr(b_.CreateZExt(low, b_.getInt64Ty()), b_.CreateShl(b_.CreateZExt(high, b_.getInt64Ty()), 32));
    return b_.CreateBitCast(joined, type);
  }
  llvm::Type* bitsType = b_.getIntNTy(width);
  llvm::Value* word = b_.CreateZExt(b_.CreateBitCast(value, bitsType), b_.getInt32Ty());
  return b_.CreateBitCast(b_.CreateTrunc(shuffle32(word), bitsType), type);
}

void KernelCodegen::reduce(const tir::Op& op) {
  const tir::Value* input = op.operand(0);
  const tir::Type& type = input->type();
  int64_t axis = op.intAttr("axis");
  ReduceOp kind = *opNamed<ReduceOp>(op.stringAttr("op"));
  DType dtype = type.dtype;
  bool arg = kind == ReduceOp::ArgMax || kind == ReduceOp::ArgMin;
  Layout in = layouts_.layoutOrPreferred(input);
  Slots values = get(input, in);
  int axisLow = dimBitOffsets(type.shape)[axis];
  int axisWidth = log2Exact(type.shape[axis]);
  std::vector<bool> dropped(type.shape.size(), false);
  dropped[axis] = true;
  Layout out = dropDims(in, type.shape, dropped);

  // A partial result and, for argmax/argmin, the axis position it came from.
  struct Partial {
    llvm::Value* value;
    llvm::Value* position;
  };
  // Combines two partials in either order alike (the shuffles meet them both
  // ways): ties and NaNs go to the lower position, as torch's first index.
  auto combine = [&](const Partial& a, const Partial& c) -> Partial {
    switch (kind) {
      case ReduceOp::Sum: return {binary(op, BinaryOp::Add, dtype, a.value, c.value), nullptr};
      case ReduceOp::Prod: return {binary(op, BinaryOp::Mul, dtype, a.value, c.value), nullptr};
      case ReduceOp::Max:
      case ReduceOp::AMax: return {binary(op, BinaryOp::Maximum, dtype, a.value, c.value), nullptr};
      case ReduceOp::Min:
      case ReduceOp::AMin: return {binary(op, BinaryOp::Minimum, dtype, a.value, c.value), nullptr};
      case ReduceOp::ArgMax:
      case ReduceOp::ArgMin: {
        bool maximum = kind == ReduceOp::ArgMax;
        llvm::Value* earlier = b_.CreateICmpSLT(c.position, a.position);
        llvm::Value* takeC;
        if (isFloating(dtype)) {
          llvm::Value* x = toFloat(a.value, dtype);
          llvm::Value* y = toFloat(c.value, dtype);
          llvm::Value* xNaN = b_.CreateFCmpUNO(x, x);
          llvm::Value* yNaN = b_.CreateFCmpUNO(y, y);
          llvm::Value* beats = maximum ? b_.CreateFCmpOGT(y, x) : b_.CreateFCmpOLT(y, x);
          llvm::Value* ties = b_.CreateAnd(b_.CreateFCmpOEQ(y, x), earlier);
          llvm::Value* ordered = b_.CreateAnd(b_.CreateNot(b_.CreateOr(xNaN, yNaN)), b_.CreateOr(beats, ties));
          llvm::Value* nan = b_.CreateAnd(yNaN, b_.CreateOr(b_.CreateNot(xNaN), earlier));
          takeC = b_.CreateOr(ordered, nan);
        } else {
          bool sign = isSigned(dtype);
          llvm::Value* beats = maximum ? (sign ? b_.CreateICmpSGT(c.value, a.value) : b_.CreateICmpUGT(c.value, a.value))
                                       : (sign ? b_.CreateICmpSLT(c.value, a.value) : b_.CreateICmpULT(c.value, a.value));
          takeC = b_.CreateOr(beats, b_.CreateAnd(b_.CreateICmpEQ(c.value, a.value), earlier));
        }
        return {b_.CreateSelect(takeC, c.value, a.value), b_.CreateSelect(takeC, c.position, a.position)};
      }
      default: unsupported(op, fmt::format("reduce '{}'", opInfo(kind).name));
    }
  };

  // 1. Within each thread: slots that differ only in axis bits.
  std::vector<bool> kept = registerBitsKept(in, type.shape, dropped);
  Slots positions = arg ? coordinate(in, type.shape, static_cast<size_t>(axis)) : Slots(values.size(), nullptr);
  std::vector<std::optional<Partial>> partials(static_cast<size_t>(out.slots()));
  for (int64_t slot = 0; slot < in.slots(); ++slot) {
    int64_t target = compressSlot(slot, kept);
    Partial next{values[slot], positions[slot]};
    partials[target] = partials[target] ? combine(*partials[target], next) : next;
  }
  // 2. Across lanes, one butterfly step per lane bit on the axis.
  uint32_t warpAxisMask = 0;
  for (int f = axisLow; f < axisLow + axisWidth; ++f) {
    int threadBit = in.bits[f];
    if (threadBit == Layout::kRegister) continue;
    if (threadBit >= 5) {
      warpAxisMask |= 1u << threadBit;
      continue;
    }
    for (auto& partial : partials) {
      Partial other{shuffleXor(partial->value, 1 << threadBit), arg ? shuffleXor(partial->position, 1 << threadBit) : nullptr};
      partial = combine(*partial, other);
    }
  }
  // 3. Across warps: every thread publishes its partials, then combines those
  // of the warps that differ from its own only in axis bits.
  if (warpAxisMask) {
    int64_t count = out.slots();
    int64_t valueBytes = threads() * count * bytesOf(dtype);
    int64_t positionOffset = (valueBytes + 15) / 16 * 16;
    sharedBytes_ = std::max(sharedBytes_, positionOffset + (arg ? threads() * count * 4 : 0));
    auto slotIndex = [&](llvm::Value* thread, int64_t slot) {
      return b_.CreateAdd(b_.CreateMul(thread, b_.getInt32(static_cast<uint32_t>(count))), b_.getInt32(static_cast<uint32_t>(slot)));
    };
    barrier();
    for (int64_t slot = 0; slot < count; ++slot) {
      writeShared(0, slotIndex(threadId_, slot), dtype, partials[slot]->value);
      if (arg) writeShared(positionOffset, slotIndex(threadId_, slot), DType::Int32, partials[slot]->position);
    }
    barrier();
    llvm::Value* home = b_.CreateAnd(threadId_, ~warpAxisMask);
    for (int64_t slot = 0; slot < count; ++slot) {
      std::optional<Partial> total;
      // Every subset of the mask's bits, in increasing order.
      for (uint32_t subset = 0;; subset = (subset - warpAxisMask) & warpAxisMask) {
        llvm::Value* index = slotIndex(b_.CreateOr(home, subset), slot);
        Partial next{readShared(0, index, dtype), arg ? readShared(positionOffset, index, DType::Int32) : nullptr};
        total = total ? combine(*total, next) : next;
        if (subset == warpAxisMask) break;
      }
      partials[slot] = total;
    }
  }
  Slots results;
  for (auto& partial : partials)
    results.push_back(arg ? b_.CreateZExt(partial->position, b_.getInt64Ty()) : partial->value);
  if (op.result()->type().isTile()) tiles_[op.result()] = results;
  else scalars_[op.result()] = results[0];
}

Slots KernelCodegen::countedLoop(int64_t count, const Slots& init,
                                 const std::function<Slots(llvm::Value*, const Slots&)>& body) {
  llvm::BasicBlock* preheader = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "loop", function_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context_, "loop.exit", function_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(b_.getInt32Ty(), 2, "k");
  iv->addIncoming(b_.getInt32(0), preheader);
  std::vector<llvm::PHINode*> phis;
  Slots carried;
  for (llvm::Value* value : init) {
    phis.push_back(b_.CreatePHI(value->getType(), 2));
    phis.back()->addIncoming(value, preheader);
    carried.push_back(phis.back());
  }
  Slots next = body(iv, carried);
  llvm::Value* ivNext = b_.CreateAdd(iv, b_.getInt32(1));
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  iv->addIncoming(ivNext, latch);
  for (size_t i = 0; i < phis.size(); ++i) phis[i]->addIncoming(next[i], latch);
  llvm::BranchInst* backedge =
      b_.CreateCondBr(b_.CreateICmpSLT(ivNext, b_.getInt32(static_cast<uint32_t>(count))), header, exit);
  // Unrolling multiplies the body (already one step per slot) and costs more
  // compile time than it saves at run time.
  llvm::MDNode* disable = llvm::MDNode::get(context_, {llvm::MDString::get(context_, "llvm.loop.unroll.disable")});
  llvm::MDNode* loopId = llvm::MDNode::getDistinct(context_, {nullptr, disable});
  loopId->replaceOperandWith(0, loopId);
  backedge->setMetadata(llvm::LLVMContext::MD_loop, loopId);
  b_.SetInsertPoint(exit);
  Slots results;
  for (llvm::Value* value : next) {
    llvm::PHINode* result = b_.CreatePHI(value->getType(), 1);
    result->addIncoming(value, latch);
    results.push_back(result);
  }
  return results;
}

void KernelCodegen::scan(const tir::Op& op) {
  const tir::Value* input = op.operand(0);
  const tir::Type& type = input->type();
  int64_t axis = op.intAttr("axis");
  ScanOp kind = *opNamed<ScanOp>(op.stringAttr("op"));
  Layout layout = *layouts_.layoutOf(op.result());
  Slots values = get(input, layout);
  barrier();
  spill(values, layout, type, 0);
  barrier();
  uint32_t stride = 1u << dimBitOffsets(type.shape)[axis];
  Slots positions = coordinate(layout, type.shape, static_cast<size_t>(axis));
  Slots indices = elementIndices(layout);
  Slots out;
  for (int64_t slot = 0; slot < layout.slots(); ++slot) {
    // Combine the elements at positions 0..p of the axis in order: a loop over
    // the whole axis that stops contributing past p.
    llvm::Value* position = positions[slot];
    llvm::Value* start = b_.CreateSub(indices[slot], b_.CreateMul(position, b_.getInt32(stride)));
    auto element = [&](llvm::Value* k) { return readShared(0, b_.CreateAdd(start, b_.CreateMul(k, b_.getInt32(stride))), type.dtype); };
    llvm::Value* first = element(b_.getInt32(0));
    if (type.shape[axis] == 1) {
      out.push_back(first);
      continue;
    }
    out.push_back(countedLoop(type.shape[axis] - 1, {first}, [&](llvm::Value* k, const Slots& acc) -> Slots {
      llvm::Value* k1 = b_.CreateAdd(k, b_.getInt32(1));
      llvm::Value* combined = binary(op, kind == ScanOp::CumSum ? BinaryOp::Add : BinaryOp::Mul, type.dtype, acc[0], element(k1));
      return {b_.CreateSelect(b_.CreateICmpULE(k1, position), combined, acc[0])};
    })[0]);
  }
  tiles_[op.result()] = out;
}

}  // namespace hel::nvptx
