// Global-to-shared copies with cp.async for the operands of tensor-core dots
// that lower/passes/PipelineLoads loads a step ahead (num_stages >= 2).
//
// Such an operand is a loop-carried tile whose initial value is loaded before
// the loop and whose next value is loaded in the body, for the next
// iteration. Instead of passing through registers, each load copies its tile
// straight into one slot of a two-slot ring in shared memory, in the swizzled
// layout the dot's ldmatrix reads (TensorCore.cpp); the loop carries the slot
// number. At the top of each iteration one wait and one barrier make the
// current slot's copy visible to every thread and make sure every thread has
// finished reading the other slot, which the body's copy then overwrites
// while the dot works on the current one.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {
namespace {

constexpr int kRingSlots = 2;

bool isHalfPrecision(DType dtype) { return dtype == DType::Float16 || dtype == DType::BFloat16; }

}  // namespace

Layout KernelCodegen::copyLayout(const tir::Type& type) const {
  // Eight elements (16 bytes) a thread where the rows are that long.
  return blockedLayout(type.shape, threadBits_, std::min(3, log2Exact(type.shape.back())));
}

bool KernelCodegen::copiesAsync(const tir::Op& load) {
  // Three operands: pointer, offsets, mask. An `other` would have to be written.
  if (load.kind() != tir::OpKind::Load || load.operands().size() > 3) return false;
  const tir::Type& type = load.result()->type();
  if (!type.isTile() || type.rank() != 2 || !isHalfPrecision(type.dtype)) return false;
  // cp.async moves 4, 8 or 16 bytes.
  return vectorWidth(load, copyLayout(type), load.operands().size() > 2 ? load.operand(2) : nullptr) >= 2;
}

void KernelCodegen::planAsyncCopies() {
  std::unordered_map<const tir::Value*, std::vector<const tir::Op*>> users;
  tir::walk(kernel_.body, [&](const tir::Op& op) {
    for (const tir::Value* operand : op.operands()) users[operand].push_back(&op);
  });
  auto usedOnlyBy = [&](const tir::Value* value, const tir::Op& op) {
    const std::vector<const tir::Op*>& of = users[value];
    return of.size() == 1 && of[0] == &op;
  };
  auto dotOperandOnly = [&](const tir::Value* value) {
    const std::vector<const tir::Op*>& of = users[value];
    return !of.empty() && std::all_of(of.begin(), of.end(), [&](const tir::Op* user) {
      return user->kind() == tir::OpKind::Dot && layouts_.tensorCoreLayouts(*user) && user->operand(2) != value;
    });
  };
  int64_t offset = 0;
  tir::walk(kernel_.body, [&](const tir::Op& loop) {
    if (loop.kind() != tir::OpKind::For) return;
    const tir::Block& body = loop.regions()[0]->body();
    const tir::Op& yield = *body.ops().back();
    for (size_t i = 0; i + 3 < loop.operands().size(); ++i) {
      const tir::Value* argument = body.argument(i + 1);
      const tir::Value* first = loop.operand(i + 3);
      const tir::Value* next = yield.operand(i);
      const tir::Op* firstLoad = first->definingOp();
      const tir::Op* nextLoad = next->definingOp();
      if (!firstLoad || !nextLoad || next->parentBlock() != &body || !copiesAsync(*firstLoad) || !copiesAsync(*nextLoad) ||
          !usedOnlyBy(first, loop) || !usedOnlyBy(next, yield) || !users[loop.result(i)].empty() ||
          !dotOperandOnly(argument))
        continue;
      int64_t slotBytes = (argument->type().numElements() * 2 + 127) / 128 * 128;
      size_t ring = rings_.size();
      rings_.push_back({offset, slotBytes});
      offset += kRingSlots * slotBytes;
      for (const tir::Value* value : {argument, first, next}) ringOf_[value] = ring;
      nextOf_[next] = argument;
      asyncLoops_.insert(&loop);
    }
  });
  scratchBase_ = offset;
}

llvm::Value* KernelCodegen::ringAddress(const tir::Value* value) {
  const Ring& ring = rings_[ringOf_.at(value)];
  llvm::Value* slot = ringSlot_.at(value);
  return b_.CreateGEP(b_.getInt8Ty(), shared_,
                      b_.CreateAdd(b_.getInt32(static_cast<uint32_t>(ring.offset)),
                                   b_.CreateMul(slot, b_.getInt32(static_cast<uint32_t>(ring.slotBytes)))));
}

void KernelCodegen::asyncCopy(const tir::Op& op) {
  const tir::Value* result = op.result();
  // The body's copy goes to the slot after the one the dot reads now.
  auto carried = nextOf_.find(result);
  ringSlot_[result] = carried == nextOf_.end()
                          ? b_.getInt32(0)
                          : b_.CreateURem(b_.CreateAdd(ringSlot_.at(carried->second), b_.getInt32(1)), b_.getInt32(kRingSlots));
  const tir::Type& type = result->type();
  const tir::Value* mask = op.operands().size() > 2 ? op.operand(2) : nullptr;
  Layout layout = copyLayout(type);
  int64_t width = vectorWidth(op, layout, mask);
  int64_t bytes = width * 2;
  Slots offsets = get(op.operand(1), layout);
  Slots on = mask ? get(mask, layout) : Slots{};
  llvm::Value* base = scalar(op.operand(0));
  llvm::Value* slotAddress = ringAddress(result);
  int64_t columns = type.shape[1];
  int columnBits = log2Exact(columns);
  llvm::Value* fromThread = threadElementBits(layout);
  // Masked-off vectors copy 0 bytes: cp.async fills the rest with zeros.
  std::string text = fmt::format("cp.async.{}.shared.global [$0], [$1], {}, $2;", bytes == 16 ? "cg" : "ca", bytes);
  auto* type32 = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty(), base->getType(), b_.getInt32Ty()}, false);
  auto* copy = llvm::InlineAsm::get(type32, text, "r,l,r,~{memory}", true);
  for (int64_t group = 0; group < layout.slots(); group += width) {
    llvm::Value* element = b_.CreateOr(fromThread, static_cast<uint64_t>(layout.elementBitsOfSlot(group)));
    llvm::Value* row = b_.CreateLShr(element, static_cast<uint64_t>(columnBits));
    llvm::Value* column = b_.CreateAnd(element, static_cast<uint64_t>(columns - 1));
    llvm::Value* destination = b_.CreateGEP(b_.getInt8Ty(), slotAddress, swizzledOffset(row, column, columns));
    llvm::Value* shared32 = b_.CreateTrunc(b_.CreatePtrToInt(destination, b_.getInt64Ty()), b_.getInt32Ty());
    llvm::Value* source = b_.CreateGEP(memoryType(type.dtype), base, offsets[group]);
    llvm::Value* size = b_.getInt32(static_cast<uint32_t>(bytes));
    if (mask) size = b_.CreateSelect(on[group], size, b_.getInt32(0));
    b_.CreateCall(type32, copy, {shared32, source, size});
  }
  asyncInstruction("cp.async.commit_group;");
}

void KernelCodegen::asyncInstruction(const std::string& text) {
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), false);
  b_.CreateCall(type, llvm::InlineAsm::get(type, text, "~{memory}", true));
}

}  // namespace hel::nvptx
