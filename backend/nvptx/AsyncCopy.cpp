// Global-to-shared copies with cp.async or TMA for the operands of dots that read
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
//
// On sm_90a a ring whose loads each read a box of one row-major tensor
// (lower/BoxAccess.h) is filled by TMA instead: thread 0 arms the slot's
// mbarrier with the tile's bytes and issues cp.async.bulk.tensor for each
// 64-column panel (TMA writes the same swizzle), and the loop carries each
// slot's phase beside its number; at the top of an iteration every thread
// waits for the current slot's phase (the barrier stays, for the slot the
// body then overwrites), and at the exit for the copies still in flight.
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
      // tf32 dots read b only K-major: staged transposed, not from a ring
      // (unless swapped: then b's fragments are read from its ring).
      std::optional<MmaLayouts> mma = user->kind() == tir::OpKind::Dot ? layouts_.tensorCoreLayouts(*user) : std::nullopt;
      bool tf32B = mma && mma->transposesB() && user->operand(1) == value;
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
    std::vector<std::vector<const tir::Value*>> tensorChains;  // of the rings TMA fills
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
        std::optional<MmaLayouts> mma = layouts_.tensorCoreLayouts(*dot);
        bool bStagedTwice = mma->transposesB() && dot->parentBlock() == &body;
        return inRings.count(dot->operand(1)) || bStagedTwice;
      });
      int slots = ahead + 1 + (inFlight ? 1 : 0);
      int64_t alignment = warpGroupMma_ ? kSwizzleAtomBytes : 128;
      int64_t slotBytes = (argument->type().numElements() * bytesOf(argument->type().dtype) + alignment - 1) / alignment * alignment;
      bool swizzled = std::any_of(dots.begin(), dots.end(), [&](const tir::Op* dot) { return layouts_.tensorCoreLayouts(*dot); });
      rings_.push_back({offset, slotBytes, slots, swizzled});
      offset += slots * slotBytes;
      // TMA fills the ring where every load of the chain reads a box of one
      // tensor map; not a's ring of a tf32 wgmma dot that stages b through
      // registers (H100, 4096^3 on [256, 128, 32] tiles: 0.62 ms with TMA,
      // 0.55 with cp.async, whose copies the staging threads share).
      bool stagesB = std::any_of(dots.begin(), dots.end(), [&](const tir::Op* dot) {
        std::optional<MmaLayouts> mma = layouts_.tensorCoreLayouts(*dot);
        return mma && mma->transposesB() && !inRings.count(dot->operand(1));
      });
      std::vector<const tir::Value*> loads{next};
      for (size_t j : chain) loads.push_back(loop.operand(j + 3));
      std::optional<TensorMap> map;
      std::unordered_map<const tir::Value*, tir::BoxAccess> boxes;
      for (const tir::Value* load : stagesB ? std::vector<const tir::Value*>{} : loads) {
        std::optional<tir::BoxAccess> box = tir::boxAccess(*load->definingOp());
        std::optional<TensorMap> loadMap = box ? tensorMapFor(*load->definingOp(), *box, swizzled) : std::nullopt;
        if (!loadMap || (map && !(*map == *loadMap))) {
          map.reset();
          break;
        }
        map = loadMap;
        boxes.emplace(load, *box);
      }
      if (map) {
        auto found = std::find(tensorMaps_.begin(), tensorMaps_.end(), *map);
        rings_.back().tensorMap = static_cast<int>(found - tensorMaps_.begin());
        if (found == tensorMaps_.end()) tensorMaps_.push_back(*map);
        boxes_.insert(boxes.begin(), boxes.end());
        std::vector<const tir::Value*> carried;
        for (size_t j : chain) carried.push_back(body.argument(j + 1));
        tensorChains.push_back(carried);
      }
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
    // Each iteration commits one group per cp.async ring; all but the newest
    // groups of the S - 2 iterations after this one must be done.
    int copyingChains = static_cast<int>(chains.size() - tensorChains.size());
    if (!chains.empty()) pendingGroups_[&loop] = copyingChains ? copyingChains * (ahead - 1) : -1;
    if (!tensorChains.empty()) tensorChains_[&loop] = std::move(tensorChains);
  });
  // The mbarriers of TMA rings' slots, after the rings.
  bool tensorCopies = false;
  for (Ring& ring : rings_) {
    if (ring.tensorMap < 0) continue;
    ring.barriers = offset;
    offset += 8 * ring.slots;
    tensorCopies = true;
  }
  // Scratch tiles wgmma reads start at multiples of the swizzle atom.
  if (tensorCopies) offset = (offset + kSwizzleAtomBytes - 1) / kSwizzleAtomBytes * kSwizzleAtomBytes;
  scratchBase_ = offset;
}

std::optional<TensorMap> KernelCodegen::tensorMapFor(const tir::Op& load, const tir::BoxAccess& box,
                                                     bool swizzled) const {
  if (!warpGroupMma_ || !target_.hasTensorMemoryAccess() || kernel_.launch.indexing == "pointer" || !swizzled)
    return std::nullopt;
  const tir::Type& type = load.result()->type();
  const tir::Type& pointer = load.operand(0)->type();
  std::optional<std::vector<int64_t>> shape = matrixShape(type.shape);
  int64_t elementBytes = bytesOf(type.dtype);
  int64_t panelColumns = kPanelBytes / elementBytes;
  int64_t boxColumns = std::min((*shape)[1], panelColumns);
  int64_t rowBytes = boxColumns * elementBytes;
  // TMA swizzles 32-, 64- and 128-byte rows as rings hold them (TensorCore.cpp's swizzledAddress).
  if (rowBytes != 32 && rowBytes != 64 && rowBytes != 128) return std::nullopt;
  if (pointer.alignment < 16 || box.rowStride * elementBytes % 16 != 0 || (*shape)[0] % 8 != 0) return std::nullopt;
  constexpr int64_t kUnboundedRows = (int64_t{1} << 31) - 1;
  TensorMap map;
  map.pointerParam = static_cast<int>(load.operand(0)->index());
  map.dtype = type.dtype;
  map.columns = static_cast<unsigned long long>(box.columns);
  map.rows = static_cast<unsigned long long>(box.rows.value_or(kUnboundedRows));
  map.rowStrideBytes = static_cast<unsigned long long>(box.rowStride * elementBytes);
  map.boxColumns = static_cast<unsigned>(boxColumns);
  map.boxRows = static_cast<unsigned>(std::min<int64_t>((*shape)[0], kMaxTensorBoxRows));
  map.swizzleBytes = static_cast<int>(rowBytes);
  return map;
}

llvm::Value* KernelCodegen::ringAddress(const tir::Value* value) {
  const Ring& ring = rings_[ringOf_.at(value)];
  llvm::Value* slot = ringSlot_.at(value);
  return b_.CreateGEP(b_.getInt8Ty(), shared_,
                      b_.CreateAdd(b_.getInt32(static_cast<uint32_t>(ring.offset)),
                                   b_.CreateMul(slot, b_.getInt32(static_cast<uint32_t>(ring.slotBytes)))));
}

Slots KernelCodegen::ringPosition(const tir::Value* value) const {
  auto phase = ringPhase_.find(value);
  if (phase == ringPhase_.end()) return {ringSlot_.at(value)};
  return {ringSlot_.at(value), phase->second};
}

void KernelCodegen::asyncCopy(const tir::Op& op) {
  const tir::Value* result = op.result();
  // The body's copy goes to the slot after the one the dot reads now.
  auto carried = nextOf_.find(result);
  uint32_t slots = static_cast<uint32_t>(rings_[ringOf_.at(result)].slots);
  llvm::Value* slot = carried == nextOf_.end()
                          ? b_.getInt32(static_cast<uint32_t>(firstSlot_.at(result)))
                          : b_.CreateURem(b_.CreateAdd(ringSlot_.at(carried->second), b_.getInt32(1)), b_.getInt32(slots));
  ringSlot_[result] = slot;
  if (boxes_.count(result)) {
    // A TMA ring's fills of one slot alternate between the mbarrier's two phases.
    ringPhase_[result] = carried == nextOf_.end()
                             ? b_.getInt32(0)
                             : b_.CreateXor(ringPhase_.at(carried->second),
                                            b_.CreateZExt(b_.CreateICmpEQ(slot, b_.getInt32(0)), b_.getInt32Ty()));
    return tensorCopy(op, slot);
  }
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

void KernelCodegen::tensorCopy(const tir::Op& op, llvm::Value* slot) {
  const tir::Value* result = op.result();
  const Ring& ring = rings_[ringOf_.at(result)];
  const TensorMap& map = tensorMaps_[static_cast<size_t>(ring.tensorMap)];
  const tir::BoxAccess& box = boxes_.at(result);
  std::vector<int64_t> shape = *matrixShape(result->type().shape);
  llvm::Type* offsetType = elementType(op.operand(1)->type().dtype);
  llvm::Value *row, *column;
  if (box.row) {
    row = linear(*box.row, offsetType);
    column = linear(*box.column, offsetType);
  } else {
    llvm::Value* origin = linear(box.origin, offsetType);
    llvm::Value* stride = llvm::ConstantInt::get(offsetType, static_cast<uint64_t>(box.rowStride));
    row = b_.CreateUDiv(origin, stride);
    column = b_.CreateURem(origin, stride);
  }
  row = b_.CreateSExtOrTrunc(row, b_.getInt32Ty());
  column = b_.CreateSExtOrTrunc(column, b_.getInt32Ty());
  // A box whose predicate is false starts past the last column: TMA fills it with zeros.
  for (const tir::Value* predicate : box.predicates)
    column = b_.CreateSelect(scalar(predicate), column, b_.getInt32(static_cast<uint32_t>(map.columns)));
  llvm::Value* barrierAddress = sharedAddress32(slotBarrier(result));
  llvm::Value* slotAddress = ringAddress(result);
  llvm::Value* mapAddress = b_.CreatePtrToInt(tensorMapArguments_.at(static_cast<size_t>(ring.tensorMap)), b_.getInt64Ty());
  llvm::BasicBlock* issue = llvm::BasicBlock::Create(context_, "tma.issue", function_);
  llvm::BasicBlock* issued = llvm::BasicBlock::Create(context_, "tma.issued", function_);
  b_.CreateCondBr(b_.CreateICmpEQ(threadId_, b_.getInt32(0)), issue, issued);
  b_.SetInsertPoint(issue);
  int64_t bytes = shape[0] * shape[1] * bytesOf(result->type().dtype);
  auto* expectType = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty(), b_.getInt32Ty()}, false);
  b_.CreateCall(expectType,
                llvm::InlineAsm::get(expectType,
                                     "{ .reg .b64 state; mbarrier.arrive.expect_tx.shared::cta.b64 state, [$0], $1; }",
                                     "r,r,~{memory}", true),
                {barrierAddress, b_.getInt32(static_cast<uint32_t>(bytes))});
  auto* copyType = llvm::FunctionType::get(
      b_.getVoidTy(), {b_.getInt32Ty(), b_.getInt64Ty(), b_.getInt32Ty(), b_.getInt32Ty(), b_.getInt32Ty()}, false);
  auto* copy = llvm::InlineAsm::get(
      copyType,
      "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [$0], [$1, {$2, $3}], [$4];",
      "r,l,r,r,r,~{memory}", true);
  // One box per panel of the slot (TensorCore.cpp's swizzledAddress), and per kMaxTensorBoxRows rows.
  int64_t rowBytes = map.boxColumns * bytesOf(result->type().dtype);
  for (int64_t panel = 0; panel * map.boxColumns < shape[1]; ++panel)
    for (int64_t rows = 0; rows < shape[0]; rows += map.boxRows) {
      llvm::Value* destination =
          b_.CreateConstGEP1_64(b_.getInt8Ty(), slotAddress, static_cast<uint64_t>(panel * shape[0] * rowBytes + rows * rowBytes));
      b_.CreateCall(copyType, copy,
                    {sharedAddress32(destination), mapAddress,
                     b_.CreateAdd(column, b_.getInt32(static_cast<uint32_t>(panel * map.boxColumns))),
                     b_.CreateAdd(row, b_.getInt32(static_cast<uint32_t>(rows))), barrierAddress});
    }
  b_.CreateBr(issued);
  b_.SetInsertPoint(issued);
}

llvm::Value* KernelCodegen::linear(const tir::LinearForm& form, llvm::Type* type) {
  llvm::Value* sum = llvm::ConstantInt::get(type, static_cast<uint64_t>(form.constant));
  for (const auto& [value, coefficient] : form.terms)
    sum = b_.CreateAdd(sum, b_.CreateMul(b_.CreateSExtOrTrunc(scalar(value), type),
                                         llvm::ConstantInt::get(type, static_cast<uint64_t>(coefficient))));
  return sum;
}

llvm::Value* KernelCodegen::slotBarrier(const tir::Value* value) {
  const Ring& ring = rings_[ringOf_.at(value)];
  return b_.CreateGEP(b_.getInt8Ty(), shared_,
                      b_.CreateAdd(b_.getInt32(static_cast<uint32_t>(ring.barriers)),
                                   b_.CreateMul(ringSlot_.at(value), b_.getInt32(8))));
}

void KernelCodegen::waitForTensorCopy(const tir::Value* value) {
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty(), b_.getInt32Ty()}, false);
  // try_wait returns when the phase completes or after a time limit: spin until it has.
  const char* text =
      "{\n.reg .pred landed;\nwait:\nmbarrier.try_wait.parity.shared::cta.b64 landed, [$0], $1;\n@!landed bra wait;\n}";
  b_.CreateCall(type, llvm::InlineAsm::get(type, text, "r,r,~{memory}", true),
                {sharedAddress32(slotBarrier(value)), ringPhase_.at(value)});
}

void KernelCodegen::onSlotBarriers(const tir::Op* loop, const std::string& instruction) {
  std::vector<size_t> rings;
  for (size_t r = 0; r < rings_.size(); ++r) {
    if (rings_[r].tensorMap < 0) continue;
    bool ofLoop = !loop;
    if (loop)
      for (const auto& chain : tensorChains_.at(loop)) ofLoop = ofLoop || ringOf_.at(chain[0]) == r;
    if (ofLoop) rings.push_back(r);
  }
  llvm::BasicBlock* first = llvm::BasicBlock::Create(context_, "mbarrier", function_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(context_, "mbarrier.done", function_);
  b_.CreateCondBr(b_.CreateICmpEQ(threadId_, b_.getInt32(0)), first, done);
  b_.SetInsertPoint(first);
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty()}, false);
  auto* operation = llvm::InlineAsm::get(type, instruction, "r,~{memory}", true);
  for (size_t r : rings)
    for (int slot = 0; slot < rings_[r].slots; ++slot)
      b_.CreateCall(type, operation,
                    {sharedAddress32(b_.CreateConstGEP1_64(b_.getInt8Ty(), shared_,
                                                           static_cast<uint64_t>(rings_[r].barriers + 8 * slot)))});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

void KernelCodegen::initSlotBarriers(const tir::Op* loop) {
  // One arrival (thread 0's, with the bytes to expect) completes each phase of a slot's mbarrier.
  onSlotBarriers(loop, "mbarrier.init.shared::cta.b64 [$0], 1;");
  asyncInstruction("fence.mbarrier_init.release.cluster;");
  barrier();
}

void KernelCodegen::asyncInstruction(const std::string& text) {
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), false);
  b_.CreateCall(type, llvm::InlineAsm::get(type, text, "~{memory}", true));
}

}  // namespace hel::nvptx
