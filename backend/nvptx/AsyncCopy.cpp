// Global-to-shared copies with cp.async for the operands of dots that read
// them from shared memory (tensor-core dots, blocked FMA dots) and that
// lower/passes/PipelineLoads loads S - 1 iterations ahead (num_stages = S >= 2).
//
// Such an operand is a chain of S - 1 loop-carried tiles: the first is what
// the dot reads, each yields the next, the last yields a load in the body, and
// their initial values are loads before the loop. Instead of passing through
// registers, each load copies its tile straight into one slot of an S-slot
// ring in shared memory, in the swizzled layout the dot's ldmatrix reads
// (TensorCore.cpp), as one cp.async commit group; the loop carries slot
// numbers. At the top of each iteration one wait (for all but the groups of
// the S - 2 iterations after this one) and one barrier make the current
// slot's copy visible to every thread and make sure every thread has finished
// reading the slot of the previous iteration, which the body's copy then
// overwrites while the dot works on the current one. (Rings only blocked FMA
// dots read are row-major instead.) A wgmma dot with both
// operands in rings leaves its instructions running into the next iteration
// (TensorCore.cpp), so its rings have one slot more and the body's copy goes
// to the slot read two iterations before. A tile that a wgmma dot reads as b
// through a permute of its last two dims (lower/passes/TransposeLoads) is
// copied as it is loaded, rows along K, and the permute reads the same slot:
// wgmma then takes b K-major.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {
namespace {

// The element types of dot operands that go through rings.
bool inRingDType(DType dtype) { return dtype == DType::Float16 || dtype == DType::BFloat16 || dtype == DType::Float32; }

}  // namespace

Layout KernelCodegen::copyLayout(const tir::Type& type) const {
  // 16 bytes a thread where the rows are that long.
  return blockedLayout(type.shape, threadBits_, std::min(log2Exact(16 / bytesOf(type.dtype)), log2Exact(type.shape.back())));
}

bool KernelCodegen::copiesAsync(const tir::Op& load) {
  // Three operands: pointer, offsets, mask. An `other` would have to be written.
  if (load.kind() != tir::OpKind::Load || load.operands().size() > 3) return false;
  const tir::Type& type = load.result()->type();
  if (!type.isTile() || !matrixShape(type.shape) || !inRingDType(type.dtype)) return false;
  // cp.async moves 4, 8 or 16 bytes.
  return vectorWidth(load, copyLayout(type), load.operands().size() > 2 ? load.operand(2) : nullptr) * bytesOf(type.dtype) >= 4;
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
  auto isWarpGroupDot = [&](const tir::Op* op) {
    std::optional<MmaLayouts> mma = op->kind() == tir::OpKind::Dot ? layouts_.tensorCoreLayouts(*op) : std::nullopt;
    return mma && mma->warpGroup;
  };
  // A permute of the last two dims whose result only wgmma dots read, as b:
  // the ring tile is then b's transpose, which wgmma reads as K-major.
  auto transposesForWarpGroupDots = [&](const tir::Op* op) {
    if (op->kind() != tir::OpKind::Permute) return false;
    const std::vector<int64_t>& order = op->intsAttr("order");
    if (order.size() < 2 || order != tir::lastTwoDimsSwapped(order.size())) return false;
    const std::vector<const tir::Op*>& of = users[op->result()];
    return !of.empty() &&
           std::all_of(of.begin(), of.end(), [&](const tir::Op* user) {
             return isWarpGroupDot(user) && user->operand(1) == op->result() && user->operand(0) != op->result();
           });
  };
  auto dotOperandOnly = [&](const tir::Value* value) {
    const std::vector<const tir::Op*>& of = users[value];
    return !of.empty() && std::all_of(of.begin(), of.end(), [&](const tir::Op* user) {
      // tf32 dots read b only K-major: staged transposed, not from a ring.
      std::optional<MmaLayouts> mma = user->kind() == tir::OpKind::Dot ? layouts_.tensorCoreLayouts(*user) : std::nullopt;
      bool tf32B = mma && mma->tf32 && user->operand(1) == value;
      return (layouts_.readsOperandsFromShared(*user) && user->operand(2) != value && !tf32B) ||
             transposesForWarpGroupDots(user);
    });
  };
  // The dots that read a ring tile, directly or through a permute.
  auto readers = [&](const tir::Value* value) {
    std::vector<const tir::Op*> dots;
    for (const tir::Op* user : users[value]) {
      if (user->kind() == tir::OpKind::Permute) dots.insert(dots.end(), users[user->result()].begin(), users[user->result()].end());
      else dots.push_back(user);
    }
    return dots;
  };
  int64_t offset = 0;
  tir::walk(kernel_.body, [&](const tir::Op& loop) {
    if (loop.kind() != tir::OpKind::For) return;
    const tir::Block& body = loop.regions()[0]->body();
    const tir::Op& yield = *body.ops().back();
    // The chains of this loop first, then their rings (whose size depends on
    // what else is in a ring).
    struct Chain {
      std::vector<size_t> carried;  // iter values, the one the dot reads first
      const tir::Value* next;       // the body's load
    };
    std::vector<Chain> chains;
    std::unordered_set<const tir::Value*> inRings;  // what dots read from rings
    int ahead = 0;
    for (size_t i = 0; i + 3 < loop.operands().size(); ++i) {
      const tir::Value* argument = body.argument(i + 1);
      if (!dotOperandOnly(argument)) continue;
      // The chain of iter values this one yields, each used by nothing but the
      // yield, to the load in the body.
      std::vector<size_t> chain{i};
      const tir::Value* next = yield.operand(i);
      while (next->ownerBlock() == &body && next->index() > 0 && usedOnlyBy(next, yield)) {
        chain.push_back(next->index() - 1);
        next = yield.operand(chain.back());
      }
      const tir::Op* nextLoad = next->definingOp();
      bool copies = nextLoad && next->parentBlock() == &body && copiesAsync(*nextLoad) && usedOnlyBy(next, yield) &&
                    (ahead == 0 || ahead == static_cast<int>(chain.size()));
      for (size_t j = 0; j < chain.size() && copies; ++j) {
        const tir::Value* first = loop.operand(chain[j] + 3);
        copies = first->definingOp() && copiesAsync(*first->definingOp()) && usedOnlyBy(first, loop) &&
                 users[loop.result(chain[j])].empty();
      }
      if (!copies) continue;
      ahead = static_cast<int>(chain.size());
      chains.push_back({chain, next});
      inRings.insert(argument);
      for (const tir::Op* user : users[argument])
        if (user->kind() == tir::OpKind::Permute) inRings.insert(user->result());
    }
    for (const Chain& found : chains) {
      const std::vector<size_t>& chain = found.carried;
      const tir::Value* argument = body.argument(chain[0] + 1);
      const tir::Value* next = found.next;
      size_t ring = rings_.size();
      // A wgmma dot with both operands in rings (or a tf32 one with a in a
      // ring, whose b is staged double-buffered) leaves one iteration's
      // instructions in flight (keepsInFlight): their slot is not the next
      // one overwritten.
      std::vector<const tir::Op*> dots = readers(argument);
      bool inFlight = std::all_of(dots.begin(), dots.end(), [&](const tir::Op* dot) {
        if (!isWarpGroupDot(dot) || !inRings.count(dot->operand(0))) return false;
        bool bStagedTwice = layouts_.tensorCoreLayouts(*dot)->tf32 && dot->parentBlock() == &body;
        return inRings.count(dot->operand(1)) || bStagedTwice;
      });
      int slots = ahead + 1 + (inFlight ? 1 : 0);
      int64_t alignment = warpGroupMma_ ? kSwizzleAtomBytes : 128;
      int64_t slotBytes = (argument->type().numElements() * bytesOf(argument->type().dtype) + alignment - 1) / alignment * alignment;
      bool swizzled = std::any_of(dots.begin(), dots.end(), [&](const tir::Op* dot) { return layouts_.tensorCoreLayouts(*dot); });
      rings_.push_back({offset, slotBytes, slots, swizzled});
      offset += slots * slotBytes;
      for (const tir::Op* user : users[argument])
        if (user->kind() == tir::OpKind::Permute) {
          ringOf_[user->result()] = ring;
          transposedInRing_.insert(user->result());
        }
      for (size_t j = 0; j < chain.size(); ++j) {
        ringOf_[body.argument(chain[j] + 1)] = ring;
        ringOf_[loop.operand(chain[j] + 3)] = ring;
        firstSlot_[loop.operand(chain[j] + 3)] = static_cast<int>(j);
      }
      ringOf_[next] = ring;
      nextOf_[next] = body.argument(chain.back() + 1);
    }
    // Each iteration commits one group per ring; all but the newest groups of
    // the S - 2 iterations after this one must be done.
    if (!chains.empty()) pendingGroups_[&loop] = static_cast<int>(chains.size()) * (ahead - 1);
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
  uint32_t slots = static_cast<uint32_t>(rings_[ringOf_.at(result)].slots);
  ringSlot_[result] = carried == nextOf_.end()
                          ? b_.getInt32(static_cast<uint32_t>(firstSlot_.at(result)))
                          : b_.CreateURem(b_.CreateAdd(ringSlot_.at(carried->second), b_.getInt32(1)), b_.getInt32(slots));
  const tir::Type& type = result->type();
  const tir::Value* mask = op.operands().size() > 2 ? op.operand(2) : nullptr;
  Layout layout = copyLayout(type);
  int64_t width = vectorWidth(op, layout, mask);
  int64_t bytes = width * bytesOf(type.dtype);
  Slots offsets = get(op.operand(1), layout);
  Slots on = mask ? get(mask, layout) : Slots{};
  llvm::Value* base = scalar(op.operand(0));
  llvm::Value* slotAddress = ringAddress(result);
  llvm::Value* fromThread = threadElementBits(layout);
  // Masked-off vectors copy 0 bytes: cp.async fills the rest with zeros.
  std::string text = fmt::format("cp.async.{}.shared.global [$0], [$1], {}, $2;", bytes == 16 ? "cg" : "ca", bytes);
  auto* type32 = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty(), base->getType(), b_.getInt32Ty()}, false);
  auto* copy = llvm::InlineAsm::get(type32, text, "r,l,r,~{memory}", true);
  for (int64_t group = 0; group < layout.slots(); group += width) {
    llvm::Value* element = b_.CreateOr(fromThread, static_cast<uint64_t>(layout.elementBitsOfSlot(group)));
    llvm::Value* shared32 = sharedAddress32(
        rings_[ringOf_.at(result)].swizzled ? swizzledAddress(slotAddress, element, *matrixShape(type.shape), bytesOf(type.dtype))
                                            : rowMajorAddress(slotAddress, element, bytesOf(type.dtype)));
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
