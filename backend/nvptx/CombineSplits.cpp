// combine_splits (pid_type "split_tail"): the programs that each ran a piece
// of one tile's K loop add up what they carried out of it.
//
// Each program stores its values to its own slot of a global buffer that the
// module owns (zero when the driver loads it), a thread's register slots in
// fours, each four one vector beside the other threads' (a warp's stores are
// whole lines); then thread 0 counts the program in its group's counter.
// All programs of a group run the same code, so each thread finds its own
// elements at the same places in the others' slots. The program whose count
// completes the group reads them all back (its own too), adds them in index
// order (the same sums whichever program comes last) and sets the counter
// back to zero for the next launch.
#include <llvm/IR/InlineAsm.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {
namespace {

constexpr int64_t kSlotsAVector = 4;  // a thread's register slots stored together

}  // namespace

void KernelCodegen::combineSplits(const tir::Op& op) {
  int64_t groups = op.intAttr("groups"), splits = op.intAttr("splits");
  size_t values = op.operands().size() - 2;
  std::vector<Slots> own;
  std::vector<DType> dtypes;
  std::vector<int64_t> offsets;  // of each value in a slot
  int64_t slotBytes = 0;
  for (size_t v = 0; v < values; ++v) {
    const tir::Value* value = op.operand(2 + v);
    own.push_back(value->type().isTile() ? get(value, layouts_.layoutOrPreferred(value)) : Slots{scalar(value)});
    dtypes.push_back(value->type().dtype);
    offsets.push_back(slotBytes);
    int64_t vectors = (static_cast<int64_t>(own.back().size()) + kSlotsAVector - 1) / kSlotsAVector;
    slotBytes += (vectors * threads() * kSlotsAVector * bytesOf(dtypes.back()) + 15) / 16 * 16;
  }
  auto global = [&](llvm::Type* element, int64_t count, const char* name) {
    auto* type = llvm::ArrayType::get(element, static_cast<uint64_t>(count));
    auto* variable = new llvm::GlobalVariable(module_, type, false, llvm::GlobalValue::InternalLinkage,
                                              llvm::ConstantAggregateZero::get(type), name, nullptr,
                                              llvm::GlobalValue::NotThreadLocal, 1);
    variable->setAlignment(llvm::Align(16));
    return variable;
  };
  llvm::Value* buffer = global(b_.getInt8Ty(), groups * splits * slotBytes, "hel_split_values");
  llvm::Value* counters = global(b_.getInt32Ty(), groups, "hel_split_counts");
  llvm::Value* group = b_.CreateSExt(scalar(op.operand(0)), b_.getInt64Ty());
  llvm::Value* tid = b_.CreateZExt(threadId_, b_.getInt64Ty());
  llvm::Value* counter = b_.CreateGEP(b_.getInt32Ty(), counters, group);
  auto element = [&](llvm::Value* index, size_t v, size_t k) {
    llvm::Value* split = b_.CreateAdd(b_.CreateMul(group, b_.getInt64(static_cast<uint64_t>(splits))),
                                      b_.CreateSExt(index, b_.getInt64Ty()));
    int64_t bytes = bytesOf(dtypes[v]);
    int64_t vector = static_cast<int64_t>(k) / kSlotsAVector, lane = static_cast<int64_t>(k) % kSlotsAVector;
    llvm::Value* thread = b_.CreateMul(b_.CreateAdd(b_.getInt64(static_cast<uint64_t>(vector * threads())), tid),
                                       b_.getInt64(static_cast<uint64_t>(kSlotsAVector * bytes)));
    int64_t fixed = offsets[v] + lane * bytes;
    llvm::Value* byte = b_.CreateAdd(b_.CreateMul(split, b_.getInt64(static_cast<uint64_t>(slotBytes))), thread);
    return b_.CreateGEP(b_.getInt8Ty(), buffer, b_.CreateAdd(byte, b_.getInt64(static_cast<uint64_t>(fixed))));
  };
  auto fence = [&] {
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), false);
    b_.CreateCall(type, llvm::InlineAsm::get(type, "fence.acq_rel.gpu;", "~{memory}", true));
  };
  llvm::Value* index = scalar(op.operand(1));
  for (size_t v = 0; v < values; ++v)
    for (size_t k = 0; k < own[v].size(); ++k) b_.CreateStore(own[v][k], element(index, v, k));
  // Thread 0 counts the program in once every thread has stored (the
  // barrier), with a fence before the count (release: the stores reach the
  // GPU's scope first) and one after it (acquire: what the other programs
  // stored before their counts is seen by the loads after the next barrier),
  // as CUTLASS's semaphore does; and tells the other threads what it found.
  barrier();
  llvm::Value* word = scratchTile(0, 4);
  llvm::Value* first = b_.CreateICmpEQ(threadId_, b_.getInt32(0));
  guarded(first, nullptr, nullptr, [&]() -> llvm::Value* {
    fence();
    llvm::Value* before = b_.CreateAtomicRMW(llvm::AtomicRMWInst::Add, counter, b_.getInt32(1), llvm::MaybeAlign(4),
                                             llvm::AtomicOrdering::Monotonic);
    fence();
    b_.CreateStore(before, word);
    return nullptr;
  });
  barrier();
  llvm::Value* last = b_.CreateICmpEQ(b_.CreateLoad(b_.getInt32Ty(), word), b_.getInt32(static_cast<uint32_t>(splits - 1)));
  // Before anything else uses the scratch word.
  barrier();

  llvm::BasicBlock* from = b_.GetInsertBlock();
  llvm::BasicBlock* sum = llvm::BasicBlock::Create(context_, "combine.sum", function_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(context_, "combine.done", function_);
  b_.CreateCondBr(last, sum, done);
  b_.SetInsertPoint(sum);
  std::vector<Slots> sums(values);
  for (size_t v = 0; v < values; ++v) {
    llvm::Type* type = own[v][0]->getType();
    llvm::Align align(static_cast<uint64_t>(bytesOf(dtypes[v])));
    for (size_t k = 0; k < own[v].size(); ++k) {
      llvm::Value* total = nullptr;
      for (int64_t j = 0; j < splits; ++j) {
        // Volatile: in order, a split at a time (ptxas would otherwise
        // issue them all early, and need registers for them).
        llvm::Value* part = b_.CreateAlignedLoad(type, element(b_.getInt32(static_cast<uint32_t>(j)), v, k), align,
                                                 /*isVolatile=*/true);
        total = total ? binary(op, BinaryOp::Add, dtypes[v], total, part) : part;
      }
      sums[v].push_back(total);
    }
  }
  guarded(first, nullptr, nullptr, [&]() -> llvm::Value* {
    b_.CreateAlignedStore(b_.getInt32(0), counter, llvm::Align(4), /*isVolatile=*/true);
    return nullptr;
  });
  llvm::BasicBlock* sumEnd = b_.GetInsertBlock();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  define(op.result(0), {last});
  for (size_t v = 0; v < values; ++v) {
    Slots merged;
    for (size_t k = 0; k < own[v].size(); ++k) {
      llvm::PHINode* phi = b_.CreatePHI(own[v][k]->getType(), 2);
      phi->addIncoming(sums[v][k], sumEnd);
      phi->addIncoming(llvm::PoisonValue::get(own[v][k]->getType()), from);  // not last: unused
      merged.push_back(phi);
    }
    define(op.result(1 + v), merged);
  }
}

}  // namespace hel::nvptx
