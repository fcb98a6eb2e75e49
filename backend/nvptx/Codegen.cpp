#include "backend/nvptx/Codegen.h"

#include <fmt/format.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/IntrinsicsNVPTX.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>

#include <map>
#include <mutex>
#include <numeric>

#include "support/Ops.h"

namespace hel::nvptx {
namespace {

constexpr const char* kTriple = "nvptx64-nvidia-cuda";

[[noreturn]] void unsupported(const tir::Op& op, const std::string& what) {
  throw Unsupported{fmt::format("{} is not supported on the GPU yet (use --device cpu)", what), op.location};
}

// A tile value in one thread: its slots (element i of the tile is slot i / T of
// thread i % T). A scalar has one slot, the same in every thread.
using Slots = std::vector<llvm::Value*>;

class KernelCodegen {
 public:
  KernelCodegen(const tir::Kernel& kernel, llvm::Module& module)
      : kernel_(kernel), module_(module), context_(module.getContext()), b_(context_) {
    threads_ = 32 * kernel.launch.numWarps;
  }

  void emit();
  int64_t threads() const { return threads_; }
  int64_t sharedBytes() const { return sharedBytes_; }

 private:
  // ---- types ----
  llvm::Type* elementType(DType dtype) const;
  llvm::Type* memoryType(DType dtype) const;  // i1 is a byte in memory
  int64_t slotsOf(const tir::Type& type) const {
    return type.isTile() ? (type.numElements() + threads_ - 1) / threads_ : 1;
  }

  // ---- values ----
  llvm::Value* threadId();
  llvm::Value* elementIndex(int64_t slot);  // i32: tid + slot * T
  llvm::Value* slotInRange(int64_t slot, int64_t elements);  // null when always
  const Slots& slots(const tir::Value* value) const { return values_.at(value); }
  llvm::Value* constantOf(DType dtype, const tir::Attribute& value);

  // ---- ops ----
  void emitBlock(const tir::Block& block);
  void emitOp(const tir::Op& op);
  void emitFor(const tir::Op& op);
  void emitIf(const tir::Op& op);
  llvm::Value* unary(const tir::Op& op, UnaryOp kind, DType dtype, llvm::Value* x);
  llvm::Value* binary(const tir::Op& op, BinaryOp kind, DType dtype, llvm::Value* a, llvm::Value* c);
  llvm::Value* cast(llvm::Value* x, DType from, DType to);
  llvm::Value* toFloat(llvm::Value* x, DType dtype);        // f16/bf16 -> f32
  llvm::Value* fromFloat(llvm::Value* x, DType dtype);      // f32 -> f16/bf16
  llvm::Value* approxExp2(llvm::Value* x);
  llvm::Value* exp(llvm::Value* x);
  llvm::Value* tanh(llvm::Value* x);
  llvm::Value* erf(llvm::Value* x);
  // c[0] + z (c[1] + z (c[2] + ...)), in f32.
  llvm::Value* polynomial(llvm::Value* z, std::initializer_list<double> coefficients);
  void memoryOp(const tir::Op& op);

  // ---- shared memory ----
  llvm::Value* sharedAddress(int64_t byteOffset, llvm::Value* index, DType dtype);
  void barrier();
  // Writes a tile to shared memory at `byteOffset` (row-major), reserving room.
  void spill(const tir::Value* value, int64_t byteOffset);
  llvm::Value* readShared(int64_t byteOffset, llvm::Value* index, DType dtype);
  int64_t bytesOf(const tir::Type& type) const {
    return type.numElements() * static_cast<int64_t>(memoryType(type.dtype)->getPrimitiveSizeInBits() / 8);
  }
  // Coordinates of element `index` (i32) in `shape`, outermost first.
  std::vector<llvm::Value*> coordinates(llvm::Value* index, const std::vector<int64_t>& shape);
  llvm::Value* linearIndex(const std::vector<llvm::Value*>& coords, const std::vector<int64_t>& shape);
  // Runs `perElement(slot, index)` for each slot of a result of `elements`,
  // guarded when the slot may be past the end. Returns the slots' values.
  Slots forEachSlot(int64_t elements, llvm::Type* type,
                    const std::function<llvm::Value*(int64_t slot, llvm::Value* index)>& perElement);
  // A counted loop [0, count) in LLVM IR; body(iv) returns the next carried value.
  llvm::Value* countedLoop(int64_t count, llvm::Value* init,
                           const std::function<llvm::Value*(llvm::Value* iv, llvm::Value* carried)>& body);

  void shuffle(const tir::Op& op);   // broadcast, permute
  void reduce(const tir::Op& op);
  void scan(const tir::Op& op);
  void dot(const tir::Op& op);

  const tir::Kernel& kernel_;
  llvm::Module& module_;
  llvm::LLVMContext& context_;
  llvm::IRBuilder<> b_;
  llvm::Function* function_ = nullptr;
  llvm::GlobalVariable* shared_ = nullptr;
  int64_t threads_ = 128;
  int64_t sharedBytes_ = 0;
  llvm::Value* threadId_ = nullptr;
  std::map<const tir::Value*, Slots> values_;
};

llvm::Type* KernelCodegen::elementType(DType dtype) const {
  switch (dtype) {
    case DType::Bool: return llvm::Type::getInt1Ty(context_);
    case DType::UInt8:
    case DType::Int8: return llvm::Type::getInt8Ty(context_);
    case DType::Int16: return llvm::Type::getInt16Ty(context_);
    case DType::Int32: return llvm::Type::getInt32Ty(context_);
    case DType::Int64: return llvm::Type::getInt64Ty(context_);
    case DType::Float16: return llvm::Type::getHalfTy(context_);
    case DType::BFloat16: return llvm::Type::getBFloatTy(context_);
    case DType::Float32: return llvm::Type::getFloatTy(context_);
    case DType::Float64: return llvm::Type::getDoubleTy(context_);
  }
  return llvm::Type::getFloatTy(context_);
}

llvm::Type* KernelCodegen::memoryType(DType dtype) const {
  return dtype == DType::Bool ? llvm::Type::getInt8Ty(context_) : elementType(dtype);
}

llvm::Value* KernelCodegen::threadId() { return threadId_; }

llvm::Value* KernelCodegen::elementIndex(int64_t slot) {
  return b_.CreateAdd(threadId(), b_.getInt32(static_cast<uint32_t>(slot * threads_)));
}

llvm::Value* KernelCodegen::slotInRange(int64_t slot, int64_t elements) {
  if ((slot + 1) * threads_ <= elements) return nullptr;
  return b_.CreateICmpULT(elementIndex(slot), b_.getInt32(static_cast<uint32_t>(elements)));
}

llvm::Value* KernelCodegen::constantOf(DType dtype, const tir::Attribute& value) {
  llvm::Type* type = elementType(dtype);
  const int64_t* integer = std::get_if<int64_t>(&value);
  if (isFloating(dtype)) {
    double number = integer ? static_cast<double>(*integer) : std::get<double>(value);
    return llvm::ConstantFP::get(type, number);
  }
  int64_t number = integer ? *integer : static_cast<int64_t>(std::get<double>(value));
  if (dtype == DType::Bool) return b_.getInt1(number != 0);
  return llvm::ConstantInt::get(type, static_cast<uint64_t>(number), isSigned(dtype));
}

// ---- the kernel -----------------------------------------------------------------------

void KernelCodegen::emit() {
  std::vector<llvm::Type*> params;
  for (size_t i = 0; i < kernel_.numParams(); ++i) {
    const tir::Type& type = kernel_.param(i)->type();
    params.push_back(type.isPointer() ? static_cast<llvm::Type*>(llvm::PointerType::get(context_, 1))
                                      : elementType(type.dtype));
  }
  auto* fnType = llvm::FunctionType::get(b_.getVoidTy(), params, false);
  function_ = llvm::Function::Create(fnType, llvm::Function::ExternalLinkage, kernel_.name, module_);
  function_->setCallingConv(llvm::CallingConv::PTX_Kernel);
  for (size_t i = 0; i < kernel_.numParams(); ++i) {
    llvm::Argument* arg = function_->getArg(static_cast<unsigned>(i));
    const std::string& hint = kernel_.param(i)->nameHint();
    arg->setName(hint.empty() ? fmt::format("arg{}", i) : hint);
    if (kernel_.param(i)->type().isPointer()) arg->addAttr(llvm::Attribute::NoAlias);
    values_[kernel_.param(i)] = {arg};
  }
  // Launch bounds: ptxas may use registers for exactly this many threads.
  llvm::NamedMDNode* annotations = module_.getOrInsertNamedMetadata("nvvm.annotations");
  auto annotate = [&](const char* key, int64_t value) {
    llvm::Metadata* fields[] = {llvm::ValueAsMetadata::get(function_), llvm::MDString::get(context_, key),
                                llvm::ValueAsMetadata::get(b_.getInt32(static_cast<uint32_t>(value)))};
    annotations->addOperand(llvm::MDNode::get(context_, fields));
  };
  annotate("kernel", 1);
  annotate("maxntidx", threads_);

  shared_ = new llvm::GlobalVariable(module_, llvm::ArrayType::get(b_.getInt8Ty(), 0), false,
                                     llvm::GlobalValue::ExternalLinkage, nullptr, "hel_shared", nullptr,
                                     llvm::GlobalValue::NotThreadLocal, 3);
  shared_->setAlignment(llvm::Align(16));

  llvm::BasicBlock* entry = llvm::BasicBlock::Create(context_, "entry", function_);
  b_.SetInsertPoint(entry);
  threadId_ = b_.CreateIntrinsic(llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x, {}, {}, nullptr, "tid");
  emitBlock(kernel_.body);
}

void KernelCodegen::emitBlock(const tir::Block& block) {
  for (const auto& op : block.ops()) emitOp(*op);
}

void KernelCodegen::barrier() { b_.CreateIntrinsic(llvm::Intrinsic::nvvm_barrier0, {}, {}); }

Slots KernelCodegen::forEachSlot(int64_t elements, llvm::Type* type,
                                 const std::function<llvm::Value*(int64_t, llvm::Value*)>& perElement) {
  int64_t count = (elements + threads_ - 1) / threads_;
  Slots out;
  for (int64_t slot = 0; slot < count; ++slot) {
    llvm::Value* guard = slotInRange(slot, elements);
    if (!guard) {
      out.push_back(perElement(slot, elementIndex(slot)));
      continue;
    }
    llvm::BasicBlock* from = b_.GetInsertBlock();
    llvm::BasicBlock* work = llvm::BasicBlock::Create(context_, "slot", function_);
    llvm::BasicBlock* done = llvm::BasicBlock::Create(context_, "slot.done", function_);
    b_.CreateCondBr(guard, work, done);
    b_.SetInsertPoint(work);
    llvm::Value* value = perElement(slot, elementIndex(slot));
    llvm::BasicBlock* workEnd = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    if (type) {
      llvm::PHINode* phi = b_.CreatePHI(type, 2);
      phi->addIncoming(value, workEnd);
      phi->addIncoming(llvm::UndefValue::get(type), from);
      out.push_back(phi);
    }
  }
  return out;
}

llvm::Value* KernelCodegen::countedLoop(int64_t count, llvm::Value* init,
                                        const std::function<llvm::Value*(llvm::Value*, llvm::Value*)>& body) {
  llvm::BasicBlock* preheader = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "loop", function_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context_, "loop.exit", function_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(b_.getInt32Ty(), 2, "k");
  llvm::PHINode* carried = b_.CreatePHI(init->getType(), 2);
  iv->addIncoming(b_.getInt32(0), preheader);
  carried->addIncoming(init, preheader);
  llvm::Value* next = body(iv, carried);
  llvm::Value* ivNext = b_.CreateAdd(iv, b_.getInt32(1));
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  iv->addIncoming(ivNext, latch);
  carried->addIncoming(next, latch);
  llvm::BranchInst* backedge =
      b_.CreateCondBr(b_.CreateICmpSLT(ivNext, b_.getInt32(static_cast<uint32_t>(count))), header, exit);
  // These loops run once per slot; unrolling them multiplies the code by the
  // slot count and costs more compile time than it saves at run time.
  llvm::MDNode* disable = llvm::MDNode::get(context_, {llvm::MDString::get(context_, "llvm.loop.unroll.disable")});
  llvm::MDNode* loopId = llvm::MDNode::getDistinct(context_, {nullptr, disable});
  loopId->replaceOperandWith(0, loopId);
  backedge->setMetadata(llvm::LLVMContext::MD_loop, loopId);
  b_.SetInsertPoint(exit);
  llvm::PHINode* result = b_.CreatePHI(init->getType(), 1);
  result->addIncoming(next, latch);
  return result;
}

std::vector<llvm::Value*> KernelCodegen::coordinates(llvm::Value* index, const std::vector<int64_t>& shape) {
  std::vector<llvm::Value*> coords(shape.size());
  llvm::Value* rest = index;
  for (size_t d = shape.size(); d-- > 0;) {
    llvm::Value* size = b_.getInt32(static_cast<uint32_t>(shape[d]));
    coords[d] = d == 0 ? rest : b_.CreateURem(rest, size);
    if (d > 0) rest = b_.CreateUDiv(rest, size);
  }
  return coords;
}

llvm::Value* KernelCodegen::linearIndex(const std::vector<llvm::Value*>& coords, const std::vector<int64_t>& shape) {
  llvm::Value* index = b_.getInt32(0);
  for (size_t d = 0; d < shape.size(); ++d)
    index = b_.CreateAdd(b_.CreateMul(index, b_.getInt32(static_cast<uint32_t>(shape[d]))), coords[d]);
  return index;
}

llvm::Value* KernelCodegen::sharedAddress(int64_t byteOffset, llvm::Value* index, DType dtype) {
  llvm::Value* base = b_.CreateConstGEP1_64(b_.getInt8Ty(), shared_, static_cast<uint64_t>(byteOffset));
  return b_.CreateGEP(memoryType(dtype), base, index);
}

void KernelCodegen::spill(const tir::Value* value, int64_t byteOffset) {
  const tir::Type& type = value->type();
  sharedBytes_ = std::max(sharedBytes_, byteOffset + bytesOf(type));
  const Slots& in = slots(value);
  forEachSlot(type.numElements(), nullptr, [&](int64_t slot, llvm::Value* index) {
    llvm::Value* element = in[slot];
    if (type.dtype == DType::Bool) element = b_.CreateZExt(element, b_.getInt8Ty());
    b_.CreateStore(element, sharedAddress(byteOffset, index, type.dtype));
    return nullptr;
  });
}

llvm::Value* KernelCodegen::readShared(int64_t byteOffset, llvm::Value* index, DType dtype) {
  llvm::Value* element = b_.CreateLoad(memoryType(dtype), sharedAddress(byteOffset, index, dtype));
  return dtype == DType::Bool ? b_.CreateICmpNE(element, b_.getInt8(0)) : element;
}

// ---- ops ------------------------------------------------------------------------------

void KernelCodegen::emitOp(const tir::Op& op) {
  const tir::Type* resultType = op.numResults() ? &op.result(0)->type() : nullptr;
  switch (op.kind()) {
    case tir::OpKind::Constant: {
      llvm::Value* value = constantOf(resultType->dtype, *op.findAttribute("value"));
      values_[op.result()] = Slots(static_cast<size_t>(slotsOf(*resultType)), value);
      return;
    }
    case tir::OpKind::ProgramId:
    case tir::OpKind::NumPrograms: {
      static const llvm::Intrinsic::ID ids[2][3] = {
          {llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_y,
           llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_z},
          {llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_y,
           llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_z}};
      int64_t axis = op.intAttr("axis");
      values_[op.result()] = {b_.CreateIntrinsic(ids[op.kind() == tir::OpKind::NumPrograms][axis], {}, {})};
      return;
    }
    case tir::OpKind::Arange: {
      int64_t start = op.intAttr("start");
      Slots out;
      for (int64_t slot = 0; slot < slotsOf(*resultType); ++slot)
        out.push_back(b_.CreateAdd(elementIndex(slot), b_.getInt32(static_cast<uint32_t>(start))));
      values_[op.result()] = out;
      return;
    }
    case tir::OpKind::Splat:
      values_[op.result()] = Slots(static_cast<size_t>(slotsOf(*resultType)), slots(op.operand(0))[0]);
      return;
    case tir::OpKind::ExpandDims:
    case tir::OpKind::Reshape:
      // Row-major order is unchanged, so every element stays in its thread.
      values_[op.result()] = slots(op.operand(0));
      return;
    case tir::OpKind::Broadcast:
    case tir::OpKind::Permute: shuffle(op); return;
    case tir::OpKind::Unary: {
      UnaryOp kind = *opNamed<UnaryOp>(op.stringAttr("op"));
      DType dtype = op.operand(0)->type().dtype;
      Slots out;
      for (llvm::Value* x : slots(op.operand(0))) out.push_back(unary(op, kind, dtype, x));
      values_[op.result()] = out;
      return;
    }
    case tir::OpKind::Binary: {
      BinaryOp kind = *opNamed<BinaryOp>(op.stringAttr("op"));
      DType dtype = op.operand(0)->type().dtype;
      const Slots& a = slots(op.operand(0));
      const Slots& c = slots(op.operand(1));
      Slots out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back(binary(op, kind, dtype, a[i], c[i]));
      values_[op.result()] = out;
      return;
    }
    case tir::OpKind::Cast: {
      Slots out;
      for (llvm::Value* x : slots(op.operand(0)))
        out.push_back(cast(x, op.operand(0)->type().dtype, resultType->dtype));
      values_[op.result()] = out;
      return;
    }
    case tir::OpKind::Select: {
      const Slots& condition = slots(op.operand(0));
      const Slots& a = slots(op.operand(1));
      const Slots& c = slots(op.operand(2));
      Slots out;
      for (size_t i = 0; i < a.size(); ++i)
        out.push_back(b_.CreateSelect(condition[condition.size() == 1 ? 0 : i], a[i], c[i]));
      values_[op.result()] = out;
      return;
    }
    case tir::OpKind::Load:
    case tir::OpKind::Store:
    case tir::OpKind::Atomic: memoryOp(op); return;
    case tir::OpKind::Reduce: reduce(op); return;
    case tir::OpKind::Scan: scan(op); return;
    case tir::OpKind::Dot: dot(op); return;
    case tir::OpKind::For: emitFor(op); return;
    case tir::OpKind::If: emitIf(op); return;
    case tir::OpKind::Yield: return;  // handled by for/if
    case tir::OpKind::Print: unsupported(op, "hl.device_print");
    case tir::OpKind::Return: b_.CreateRetVoid(); return;
  }
}

void KernelCodegen::emitFor(const tir::Op& op) {
  const tir::Block& body = op.regions()[0]->body();
  llvm::Value* lo = slots(op.operand(0))[0];
  llvm::Value* hi = slots(op.operand(1))[0];
  llvm::Value* step = slots(op.operand(2))[0];
  bool wide = op.operand(0)->type().dtype == DType::Int64;
  llvm::BasicBlock* preheader = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "for", function_);
  llvm::BasicBlock* bodyBlock = llvm::BasicBlock::Create(context_, "for.body", function_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context_, "for.exit", function_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(lo->getType(), 2, "iv");
  iv->addIncoming(lo, preheader);
  std::vector<std::vector<llvm::PHINode*>> carried;
  for (size_t i = 3; i < op.operands().size(); ++i) {
    std::vector<llvm::PHINode*> phis;
    Slots init = slots(op.operand(i));
    Slots bodyArg;
    for (llvm::Value* value : init) {
      llvm::PHINode* phi = b_.CreatePHI(value->getType(), 2);
      phi->addIncoming(value, preheader);
      phis.push_back(phi);
      bodyArg.push_back(phi);
    }
    carried.push_back(phis);
    values_[body.argument(i - 2)] = bodyArg;
  }
  values_[body.argument(0)] = {iv};
  b_.CreateCondBr(wide ? b_.CreateICmpSLT(iv, hi) : b_.CreateICmpSLT(iv, hi), bodyBlock, exit);
  b_.SetInsertPoint(bodyBlock);
  emitBlock(body);
  const tir::Op& yield = *body.ops().back();
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  iv->addIncoming(b_.CreateAdd(iv, step), latch);
  for (size_t i = 0; i < carried.size(); ++i) {
    const Slots& next = slots(yield.operand(i));
    for (size_t s = 0; s < carried[i].size(); ++s) carried[i][s]->addIncoming(next[s], latch);
  }
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  for (size_t i = 0; i < carried.size(); ++i) values_[op.result(i)] = Slots(carried[i].begin(), carried[i].end());
}

void KernelCodegen::emitIf(const tir::Op& op) {
  llvm::Value* condition = slots(op.operand(0))[0];
  llvm::BasicBlock* thenBlock = llvm::BasicBlock::Create(context_, "then", function_);
  llvm::BasicBlock* elseBlock = llvm::BasicBlock::Create(context_, "else", function_);
  llvm::BasicBlock* merge = llvm::BasicBlock::Create(context_, "endif", function_);
  b_.CreateCondBr(condition, thenBlock, elseBlock);
  std::vector<std::pair<llvm::BasicBlock*, const tir::Op*>> ends;
  for (int branch = 0; branch < 2; ++branch) {
    b_.SetInsertPoint(branch == 0 ? thenBlock : elseBlock);
    const tir::Block& body = op.regions()[branch]->body();
    emitBlock(body);
    ends.emplace_back(b_.GetInsertBlock(), body.ops().back().get());
    b_.CreateBr(merge);
  }
  b_.SetInsertPoint(merge);
  for (size_t i = 0; i < op.numResults(); ++i) {
    Slots merged;
    size_t count = slots(ends[0].second->operand(i)).size();
    for (size_t s = 0; s < count; ++s) {
      llvm::Value* first = slots(ends[0].second->operand(i))[s];
      llvm::PHINode* phi = b_.CreatePHI(first->getType(), 2);
      phi->addIncoming(first, ends[0].first);
      phi->addIncoming(slots(ends[1].second->operand(i))[s], ends[1].first);
      merged.push_back(phi);
    }
    values_[op.result(i)] = merged;
  }
}

// ---- elementwise -----------------------------------------------------------------------

llvm::Value* KernelCodegen::toFloat(llvm::Value* x, DType dtype) {
  return dtype == DType::Float16 || dtype == DType::BFloat16 ? b_.CreateFPExt(x, b_.getFloatTy()) : x;
}

llvm::Value* KernelCodegen::fromFloat(llvm::Value* x, DType dtype) {
  return dtype == DType::Float16 || dtype == DType::BFloat16 ? b_.CreateFPTrunc(x, elementType(dtype)) : x;
}

llvm::Value* KernelCodegen::approxExp2(llvm::Value* x) {
  return b_.CreateIntrinsic(llvm::Intrinsic::nvvm_ex2_approx_f, {}, {x});
}

// exp(x) = 2^(x log2 e), with the product split so its rounding error is kept:
// hi = fl(x * L), lo = fma(x, L, -hi) + x * L_lo; exp = 2^hi * (1 + lo ln 2).
llvm::Value* KernelCodegen::exp(llvm::Value* x) {
  llvm::Type* f32 = b_.getFloatTy();
  llvm::Value* log2e = llvm::ConstantFP::get(f32, 1.44269502162933349609375);
  llvm::Value* log2eLow = llvm::ConstantFP::get(f32, 1.925963033500011079e-8);
  llvm::Value* hi = b_.CreateFMul(x, log2e);
  llvm::Value* lo = b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {x, log2e, b_.CreateFNeg(hi)});
  lo = b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {x, log2eLow, lo});
  // For x = ±inf (or NaN) the split is NaN; 2^hi alone is then exact.
  llvm::Value* finite = b_.CreateFCmpOLT(b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {hi}),
                                         llvm::ConstantFP::getInfinity(f32));
  lo = b_.CreateSelect(finite, lo, llvm::ConstantFP::get(f32, 0.0));
  llvm::Value* correction =
      b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {lo, llvm::ConstantFP::get(f32, 0.693147180559945309), llvm::ConstantFP::get(f32, 1.0)});
  return b_.CreateFMul(approxExp2(hi), correction);
}

llvm::Value* KernelCodegen::polynomial(llvm::Value* z, std::initializer_list<double> coefficients) {
  llvm::Type* f32 = b_.getFloatTy();
  std::vector<double> c(coefficients);
  llvm::Value* result = llvm::ConstantFP::get(f32, c.back());
  for (size_t i = c.size() - 1; i-- > 0;)
    result = b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {result, z, llvm::ConstantFP::get(f32, c[i])});
  return result;
}

// tanh: an odd polynomial below |x| = 0.625, else 1 - 2 / (e^2|x| + 1) with the
// sign of x (relative error about 1.3e-7 against the exact value).
llvm::Value* KernelCodegen::tanh(llvm::Value* x) {
  llvm::Type* f32 = b_.getFloatTy();
  llvm::Value* magnitude = b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {x});
  llvm::Value* square = b_.CreateFMul(x, x);
  llvm::Value* small = polynomial(square, {-3.33332819422E-1, 1.33314422036E-1, -5.37397155531E-2, 2.06390887954E-2,
                                           -5.70498872745E-3});
  small = b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {b_.CreateFMul(small, square), x, x});
  llvm::Value* one = llvm::ConstantFP::get(f32, 1.0);
  llvm::Value* large = b_.CreateFSub(
      one, b_.CreateFDiv(llvm::ConstantFP::get(f32, 2.0), b_.CreateFAdd(exp(b_.CreateFMul(magnitude, llvm::ConstantFP::get(f32, 2.0))), one)));
  large = b_.CreateIntrinsic(llvm::Intrinsic::copysign, {f32}, {large, x});
  return b_.CreateSelect(b_.CreateFCmpOGT(magnitude, llvm::ConstantFP::get(f32, 0.625)), large, small);
}

// erf: the Taylor series below |x| = 0.5, else Abramowitz and Stegun 7.1.26
// (absolute error under 4e-7, relative under 7e-7 in float32).
llvm::Value* KernelCodegen::erf(llvm::Value* x) {
  llvm::Type* f32 = b_.getFloatTy();
  llvm::Value* magnitude = b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {x});
  llvm::Value* square = b_.CreateFMul(x, x);
  llvm::Value* series = b_.CreateFMul(
      b_.CreateFMul(x, llvm::ConstantFP::get(f32, 1.1283791670955126)),
      polynomial(square, {1.0, -1.0 / 3, 1.0 / 10, -1.0 / 42, 1.0 / 216, -1.0 / 1320}));
  llvm::Value* one = llvm::ConstantFP::get(f32, 1.0);
  llvm::Value* t = b_.CreateFDiv(one, b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {magnitude, llvm::ConstantFP::get(f32, 0.3275911), one}));
  llvm::Value* tail = b_.CreateFMul(polynomial(t, {0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429}), t);
  llvm::Value* far = b_.CreateFSub(one, b_.CreateFMul(tail, exp(b_.CreateFNeg(square))));
  far = b_.CreateIntrinsic(llvm::Intrinsic::copysign, {f32}, {far, x});
  return b_.CreateSelect(b_.CreateFCmpOLT(magnitude, llvm::ConstantFP::get(f32, 0.5)), series, far);
}

llvm::Value* KernelCodegen::unary(const tir::Op& op, UnaryOp kind, DType dtype, llvm::Value* x) {
  bool floating = isFloating(dtype);
  llvm::Type* type = x->getType();
  if (floating) {
    if (dtype == DType::Float64 && kind != UnaryOp::Abs && kind != UnaryOp::Neg && kind != UnaryOp::Sqrt &&
        kind != UnaryOp::Relu && kind != UnaryOp::Floor && kind != UnaryOp::Ceil && kind != UnaryOp::IsNan &&
        kind != UnaryOp::IsInf && kind != UnaryOp::Trunc && kind != UnaryOp::Sign && kind != UnaryOp::LogicalNot)
      unsupported(op, fmt::format("'{}' on float64", opInfo(kind).name));
    llvm::Value* f = toFloat(x, dtype);
    llvm::Type* ft = f->getType();
    auto one = llvm::ConstantFP::get(ft, 1.0);
    auto zero = llvm::ConstantFP::get(ft, 0.0);
    llvm::Value* r = nullptr;
    switch (kind) {
      case UnaryOp::Abs: r = b_.CreateIntrinsic(llvm::Intrinsic::fabs, {ft}, {f}); break;
      case UnaryOp::Neg: r = b_.CreateFNeg(f); break;
      case UnaryOp::Exp: r = exp(f); break;
      case UnaryOp::Exp2: r = approxExp2(f); break;
      case UnaryOp::Log:
        r = b_.CreateFMul(b_.CreateIntrinsic(llvm::Intrinsic::nvvm_lg2_approx_f, {}, {f}),
                          llvm::ConstantFP::get(ft, 0.693147180559945309));
        break;
      case UnaryOp::Log2: r = b_.CreateIntrinsic(llvm::Intrinsic::nvvm_lg2_approx_f, {}, {f}); break;
      case UnaryOp::Sqrt: r = b_.CreateIntrinsic(llvm::Intrinsic::sqrt, {ft}, {f}); break;
      case UnaryOp::Rsqrt: r = b_.CreateFDiv(one, b_.CreateIntrinsic(llvm::Intrinsic::sqrt, {ft}, {f})); break;
      case UnaryOp::Sigmoid: r = b_.CreateFDiv(one, b_.CreateFAdd(one, exp(b_.CreateFNeg(f)))); break;
      case UnaryOp::Relu: r = b_.CreateSelect(b_.CreateFCmpOGT(f, zero), f, b_.CreateSelect(b_.CreateFCmpUNO(f, f), f, zero)); break;
      case UnaryOp::Floor: r = b_.CreateIntrinsic(llvm::Intrinsic::floor, {ft}, {f}); break;
      case UnaryOp::Ceil: r = b_.CreateIntrinsic(llvm::Intrinsic::ceil, {ft}, {f}); break;
      case UnaryOp::Trunc: r = b_.CreateIntrinsic(llvm::Intrinsic::trunc, {ft}, {f}); break;
      case UnaryOp::Round: r = b_.CreateIntrinsic(llvm::Intrinsic::roundeven, {ft}, {f}); break;
      case UnaryOp::Sign:
        r = b_.CreateSelect(b_.CreateFCmpOGT(f, zero), one,
                            b_.CreateSelect(b_.CreateFCmpOLT(f, zero), llvm::ConstantFP::get(ft, -1.0), f));
        break;
      case UnaryOp::Sin: r = b_.CreateIntrinsic(llvm::Intrinsic::nvvm_sin_approx_f, {}, {f}); break;
      case UnaryOp::Cos: r = b_.CreateIntrinsic(llvm::Intrinsic::nvvm_cos_approx_f, {}, {f}); break;
      case UnaryOp::Silu: r = b_.CreateFDiv(f, b_.CreateFAdd(one, exp(b_.CreateFNeg(f)))); break;
      case UnaryOp::Tanh: r = tanh(f); break;
      case UnaryOp::Erf: r = erf(f); break;
      case UnaryOp::Gelu:
        // PyTorch's default gelu: x/2 (1 + erf(x / sqrt 2)).
        r = b_.CreateFMul(b_.CreateFMul(f, llvm::ConstantFP::get(ft, 0.5)),
                          b_.CreateFAdd(one, erf(b_.CreateFMul(f, llvm::ConstantFP::get(ft, 0.7071067811865476)))));
        break;
      case UnaryOp::IsNan: return b_.CreateFCmpUNO(f, f);
      case UnaryOp::IsInf:
        return b_.CreateFCmpOEQ(b_.CreateIntrinsic(llvm::Intrinsic::fabs, {ft}, {f}),
                                llvm::ConstantFP::getInfinity(ft));
      case UnaryOp::LogicalNot: return b_.CreateFCmpOEQ(f, zero);
      default: unsupported(op, fmt::format("'{}'", opInfo(kind).name));
    }
    return fromFloat(r, dtype);
  }
  switch (kind) {
    case UnaryOp::Abs: {
      if (!isSigned(dtype)) return x;
      return b_.CreateSelect(b_.CreateICmpSLT(x, llvm::ConstantInt::get(type, 0)), b_.CreateNeg(x), x);
    }
    case UnaryOp::Neg: return b_.CreateNeg(x);
    case UnaryOp::Relu:
      return b_.CreateSelect(b_.CreateICmpSGT(x, llvm::ConstantInt::get(type, 0)), x, llvm::ConstantInt::get(type, 0));
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round:
    case UnaryOp::Trunc: return x;
    case UnaryOp::Sign:
      if (dtype == DType::Bool) return x;
      return b_.CreateSub(b_.CreateZExt(b_.CreateICmpSGT(x, llvm::ConstantInt::get(type, 0)), type),
                          b_.CreateZExt(b_.CreateICmpSLT(x, llvm::ConstantInt::get(type, 0)), type));
    case UnaryOp::IsNan:
    case UnaryOp::IsInf: return b_.getInt1(false);
    case UnaryOp::BitwiseNot: return dtype == DType::Bool ? b_.CreateNot(x) : b_.CreateNot(x);
    case UnaryOp::LogicalNot: return b_.CreateICmpEQ(x, llvm::ConstantInt::get(type, 0));
    default: unsupported(op, fmt::format("'{}' on {}", opInfo(kind).name, dtypeName(dtype)));
  }
}

llvm::Value* KernelCodegen::binary(const tir::Op& op, BinaryOp kind, DType dtype, llvm::Value* a, llvm::Value* c) {
  llvm::Type* type = a->getType();
  if (isFloating(dtype)) {
    llvm::Value* x = toFloat(a, dtype);
    llvm::Value* y = toFloat(c, dtype);
    llvm::Type* ft = x->getType();
    llvm::Value* r = nullptr;
    switch (kind) {
      case BinaryOp::Add: r = b_.CreateFAdd(x, y); break;
      case BinaryOp::Sub: r = b_.CreateFSub(x, y); break;
      case BinaryOp::Mul: r = b_.CreateFMul(x, y); break;
      case BinaryOp::Div: r = b_.CreateFDiv(x, y); break;
      case BinaryOp::FloorDiv: r = b_.CreateIntrinsic(llvm::Intrinsic::floor, {ft}, {b_.CreateFDiv(x, y)}); break;
      case BinaryOp::Mod: {
        llvm::Value* rem = b_.CreateFRem(x, y);
        llvm::Value* fix = b_.CreateAnd(b_.CreateFCmpONE(rem, llvm::ConstantFP::get(ft, 0.0)),
                                        b_.CreateXor(b_.CreateFCmpOLT(rem, llvm::ConstantFP::get(ft, 0.0)),
                                                     b_.CreateFCmpOLT(y, llvm::ConstantFP::get(ft, 0.0))));
        r = b_.CreateSelect(fix, b_.CreateFAdd(rem, y), rem);
        break;
      }
      case BinaryOp::Maximum:
      case BinaryOp::Minimum: {
        // NaN propagates, as in torch.maximum.
        llvm::Value* pick = kind == BinaryOp::Maximum ? b_.CreateFCmpOGT(x, y) : b_.CreateFCmpOLT(x, y);
        llvm::Value* best = b_.CreateSelect(pick, x, y);
        best = b_.CreateSelect(b_.CreateFCmpUNO(x, x), x, best);
        r = b_.CreateSelect(b_.CreateFCmpUNO(y, y), y, best);
        break;
      }
      case BinaryOp::Pow:
        if (dtype == DType::Float64) unsupported(op, "'pow' on float64");
        r = approxExp2(b_.CreateFMul(y, b_.CreateIntrinsic(llvm::Intrinsic::nvvm_lg2_approx_f, {}, {x})));
        break;
      case BinaryOp::Eq: return b_.CreateFCmpOEQ(x, y);
      case BinaryOp::Ne: return b_.CreateFCmpUNE(x, y);
      case BinaryOp::Lt: return b_.CreateFCmpOLT(x, y);
      case BinaryOp::Le: return b_.CreateFCmpOLE(x, y);
      case BinaryOp::Gt: return b_.CreateFCmpOGT(x, y);
      case BinaryOp::Ge: return b_.CreateFCmpOGE(x, y);
      case BinaryOp::LogicalAnd:
        return b_.CreateAnd(b_.CreateFCmpUNE(x, llvm::ConstantFP::get(ft, 0.0)), b_.CreateFCmpUNE(y, llvm::ConstantFP::get(ft, 0.0)));
      case BinaryOp::LogicalOr:
        return b_.CreateOr(b_.CreateFCmpUNE(x, llvm::ConstantFP::get(ft, 0.0)), b_.CreateFCmpUNE(y, llvm::ConstantFP::get(ft, 0.0)));
      default: unsupported(op, fmt::format("'{}' on {}", opInfo(kind).name, dtypeName(dtype)));
    }
    return fromFloat(r, dtype);
  }
  bool sign = isSigned(dtype);
  auto zero = llvm::ConstantInt::get(type, 0);
  switch (kind) {
    case BinaryOp::Add: return b_.CreateAdd(a, c);
    case BinaryOp::Sub: return b_.CreateSub(a, c);
    case BinaryOp::Mul: return b_.CreateMul(a, c);
    case BinaryOp::FloorDiv:
    case BinaryOp::Mod: {
      // Python's rules; a zero divisor is defined to give 0 here (the CPU
      // backend reports it).
      llvm::Value* safe = b_.CreateSelect(b_.CreateICmpEQ(c, zero), llvm::ConstantInt::get(type, 1), c);
      llvm::Value* q = sign ? b_.CreateSDiv(a, safe) : b_.CreateUDiv(a, safe);
      llvm::Value* rem = sign ? b_.CreateSRem(a, safe) : b_.CreateURem(a, safe);
      if (sign) {
        llvm::Value* fix = b_.CreateAnd(b_.CreateICmpNE(rem, zero),
                                        b_.CreateXor(b_.CreateICmpSLT(rem, zero), b_.CreateICmpSLT(safe, zero)));
        q = b_.CreateSelect(fix, b_.CreateSub(q, llvm::ConstantInt::get(type, 1)), q);
        rem = b_.CreateSelect(fix, b_.CreateAdd(rem, safe), rem);
      }
      return kind == BinaryOp::FloorDiv ? q : rem;
    }
    case BinaryOp::Maximum: return b_.CreateSelect(sign ? b_.CreateICmpSGT(a, c) : b_.CreateICmpUGT(a, c), a, c);
    case BinaryOp::Minimum: return b_.CreateSelect(sign ? b_.CreateICmpSLT(a, c) : b_.CreateICmpULT(a, c), a, c);
    case BinaryOp::BitwiseAnd:
    case BinaryOp::LogicalAnd:
      if (kind == BinaryOp::LogicalAnd && dtype != DType::Bool)
        return b_.CreateAnd(b_.CreateICmpNE(a, zero), b_.CreateICmpNE(c, zero));
      return b_.CreateAnd(a, c);
    case BinaryOp::BitwiseOr:
    case BinaryOp::LogicalOr:
      if (kind == BinaryOp::LogicalOr && dtype != DType::Bool)
        return b_.CreateOr(b_.CreateICmpNE(a, zero), b_.CreateICmpNE(c, zero));
      return b_.CreateOr(a, c);
    case BinaryOp::BitwiseXor:
    case BinaryOp::LogicalXor:
      if (kind == BinaryOp::LogicalXor && dtype != DType::Bool)
        return b_.CreateXor(b_.CreateICmpNE(a, zero), b_.CreateICmpNE(c, zero));
      return b_.CreateXor(a, c);
    case BinaryOp::LShift:
    case BinaryOp::RShift: {
      // Shifts by a negative amount or the width or more follow ScalarOps.h.
      unsigned width = type->getIntegerBitWidth();
      llvm::Value* limit = llvm::ConstantInt::get(type, width - (sign ? 1 : 0));
      llvm::Value* outOfRange = b_.CreateOr(sign ? b_.CreateICmpSLT(c, zero) : b_.getInt1(false), b_.CreateICmpUGE(c, limit));
      llvm::Value* amount = b_.CreateSelect(outOfRange, limit, c);
      if (kind == BinaryOp::LShift) {
        llvm::Value* shifted = b_.CreateShl(a, b_.CreateSelect(outOfRange, zero, amount));
        return b_.CreateSelect(outOfRange, zero, shifted);
      }
      if (!sign) return b_.CreateSelect(outOfRange, zero, b_.CreateLShr(a, b_.CreateSelect(outOfRange, zero, amount)));
      return b_.CreateAShr(a, amount);
    }
    case BinaryOp::Eq: return b_.CreateICmpEQ(a, c);
    case BinaryOp::Ne: return b_.CreateICmpNE(a, c);
    case BinaryOp::Lt: return sign ? b_.CreateICmpSLT(a, c) : b_.CreateICmpULT(a, c);
    case BinaryOp::Le: return sign ? b_.CreateICmpSLE(a, c) : b_.CreateICmpULE(a, c);
    case BinaryOp::Gt: return sign ? b_.CreateICmpSGT(a, c) : b_.CreateICmpUGT(a, c);
    case BinaryOp::Ge: return sign ? b_.CreateICmpSGE(a, c) : b_.CreateICmpUGE(a, c);
    default: unsupported(op, fmt::format("'{}' on {}", opInfo(kind).name, dtypeName(dtype)));
  }
}

llvm::Value* KernelCodegen::cast(llvm::Value* x, DType from, DType to) {
  if (from == to) return x;
  llvm::Type* target = elementType(to);
  if (to == DType::Bool) {
    if (isFloating(from)) return b_.CreateFCmpUNE(toFloat(x, from), llvm::ConstantFP::get(toFloat(x, from)->getType(), 0.0));
    return b_.CreateICmpNE(x, llvm::ConstantInt::get(x->getType(), 0));
  }
  if (isFloating(from) && isFloating(to)) {
    // f16 <-> bf16 goes through f32, which holds both exactly.
    llvm::Value* wide = toFloat(x, from);
    if (to == DType::Float64) return b_.CreateFPExt(wide, target);
    if (from == DType::Float64) return b_.CreateFPTrunc(wide, target);
    return fromFloat(wide, to);
  }
  if (isFloating(from)) {
    llvm::Value* wide = toFloat(x, from);
    return isSigned(to) ? b_.CreateFPToSI(wide, target) : b_.CreateFPToUI(wide, target);
  }
  if (isFloating(to)) {
    llvm::Type* via = to == DType::Float64 ? target : b_.getFloatTy();
    llvm::Value* converted = isSigned(from) ? b_.CreateSIToFP(x, via) : b_.CreateUIToFP(x, via);
    return fromFloat(converted, to);
  }
  return isSigned(from) ? b_.CreateSExtOrTrunc(x, target) : b_.CreateZExtOrTrunc(x, target);
}

// ---- memory ---------------------------------------------------------------------------

void KernelCodegen::memoryOp(const tir::Op& op) {
  llvm::Value* base = slots(op.operand(0))[0];
  DType dtype = op.operand(0)->type().dtype;
  llvm::Type* stored = memoryType(dtype);
  const tir::Type& offsetType = op.operand(1)->type();
  const Slots& offsets = slots(op.operand(1));
  int64_t elements = offsetType.isTile() ? offsetType.numElements() : 1;
  // Operands after (ptr, offsets): load: mask, other; store: value, mask;
  // atomic: [cmp,] value, mask.
  const tir::Value* mask = nullptr;
  const tir::Value* other = nullptr;
  const tir::Value* value = nullptr;
  const tir::Value* compare = nullptr;
  std::string atomicOp = op.kind() == tir::OpKind::Atomic ? op.stringAttr("op") : "";
  if (op.kind() == tir::OpKind::Load) {
    if (op.operands().size() > 2) mask = op.operand(2);
    if (op.operands().size() > 3) other = op.operand(3);
  } else if (op.kind() == tir::OpKind::Store) {
    value = op.operand(2);
    if (op.operands().size() > 3) mask = op.operand(3);
  } else {
    size_t next = 2;
    if (atomicOp == "cas") compare = op.operand(next++);
    value = op.operand(next++);
    if (op.operands().size() > next) mask = op.operand(next);
  }
  bool scalar = !offsetType.isTile();
  llvm::Type* resultType = elementType(dtype);
  auto perElement = [&](int64_t slot, llvm::Value*) -> llvm::Value* {
    llvm::Value* address = b_.CreateGEP(stored, base, offsets[slot]);
    llvm::Value* on = mask ? slots(mask)[scalar ? 0 : slot] : nullptr;
    llvm::BasicBlock* from = b_.GetInsertBlock();
    llvm::BasicBlock* work = nullptr;
    llvm::BasicBlock* done = nullptr;
    if (on) {
      work = llvm::BasicBlock::Create(context_, "access", function_);
      done = llvm::BasicBlock::Create(context_, "access.done", function_);
      b_.CreateCondBr(on, work, done);
      b_.SetInsertPoint(work);
    }
    llvm::Value* result = nullptr;
    if (op.kind() == tir::OpKind::Load) {
      result = b_.CreateLoad(stored, address);
      if (dtype == DType::Bool) result = b_.CreateICmpNE(result, b_.getInt8(0));
    } else if (op.kind() == tir::OpKind::Store) {
      llvm::Value* element = slots(value)[scalar ? 0 : slot];
      if (dtype == DType::Bool) element = b_.CreateZExt(element, b_.getInt8Ty());
      b_.CreateStore(element, address);
    } else {
      llvm::Value* element = slots(value)[scalar ? 0 : slot];
      if (atomicOp == "cas") {
        llvm::Value* expected = slots(compare)[scalar ? 0 : slot];
        if (isFloating(dtype)) unsupported(op, "atomic_cas on floats");
        result = b_.CreateExtractValue(
            b_.CreateAtomicCmpXchg(address, expected, element, llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic,
                                   llvm::AtomicOrdering::Monotonic),
            0);
      } else if (isFloating(dtype) && (atomicOp == "max" || atomicOp == "min") &&
                 (dtype == DType::Float32 || dtype == DType::Float64)) {
        // No float max/min atomics in PTX: a compare-and-swap loop on the bits,
        // with torch.maximum's NaN rule.
        llvm::Type* bits = b_.getIntNTy(dtype == DType::Float32 ? 32 : 64);
        llvm::Value* initial = b_.CreateLoad(resultType, address);
        llvm::BasicBlock* before = b_.GetInsertBlock();
        llvm::BasicBlock* retry = llvm::BasicBlock::Create(context_, "atomic.retry", function_);
        llvm::BasicBlock* after = llvm::BasicBlock::Create(context_, "atomic.done", function_);
        b_.CreateBr(retry);
        b_.SetInsertPoint(retry);
        llvm::PHINode* current = b_.CreatePHI(resultType, 2);
        current->addIncoming(initial, before);
        llvm::Value* wanted = binary(op, atomicOp == "max" ? BinaryOp::Maximum : BinaryOp::Minimum, dtype, current, element);
        llvm::Value* exchanged = b_.CreateAtomicCmpXchg(address, b_.CreateBitCast(current, bits),
                                                        b_.CreateBitCast(wanted, bits), llvm::MaybeAlign(),
                                                        llvm::AtomicOrdering::Monotonic, llvm::AtomicOrdering::Monotonic);
        llvm::Value* seen = b_.CreateBitCast(b_.CreateExtractValue(exchanged, 0), resultType);
        current->addIncoming(seen, b_.GetInsertBlock());
        b_.CreateCondBr(b_.CreateExtractValue(exchanged, 1), after, retry);
        b_.SetInsertPoint(after);
        result = current;
      } else {
        llvm::AtomicRMWInst::BinOp binop;
        bool floating = isFloating(dtype);
        if (atomicOp == "add") binop = floating ? llvm::AtomicRMWInst::FAdd : llvm::AtomicRMWInst::Add;
        else if (atomicOp == "xchg") binop = llvm::AtomicRMWInst::Xchg;
        else if (floating) unsupported(op, fmt::format("atomic_{} on floats", atomicOp));
        else if (atomicOp == "max") binop = isSigned(dtype) ? llvm::AtomicRMWInst::Max : llvm::AtomicRMWInst::UMax;
        else if (atomicOp == "min") binop = isSigned(dtype) ? llvm::AtomicRMWInst::Min : llvm::AtomicRMWInst::UMin;
        else if (atomicOp == "and") binop = llvm::AtomicRMWInst::And;
        else if (atomicOp == "or") binop = llvm::AtomicRMWInst::Or;
        else binop = llvm::AtomicRMWInst::Xor;
        if (dtype == DType::Float16 || dtype == DType::BFloat16 || dtype == DType::Bool || itemSize(dtype) < 4)
          unsupported(op, fmt::format("atomic_{} on {}", atomicOp, dtypeName(dtype)));
        result = b_.CreateAtomicRMW(binop, address, element, llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic);
      }
    }
    if (!on) return result;
    llvm::BasicBlock* workEnd = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    if (!result) return nullptr;
    llvm::PHINode* phi = b_.CreatePHI(resultType, 2);
    phi->addIncoming(result, workEnd);
    llvm::Value* fallback = other ? slots(other)[other->type().isTile() ? slot : 0] : llvm::Constant::getNullValue(resultType);
    phi->addIncoming(fallback, from);
    return phi;
  };
  if (scalar && op.kind() == tir::OpKind::Atomic) {
    // Scalars are computed by every thread, but a scalar atomic must happen
    // once per program: thread 0 does it and shares the old value.
    barrier();
    llvm::BasicBlock* work = llvm::BasicBlock::Create(context_, "atomic.once", function_);
    llvm::BasicBlock* done = llvm::BasicBlock::Create(context_, "atomic.once.done", function_);
    b_.CreateCondBr(b_.CreateICmpEQ(threadId(), b_.getInt32(0)), work, done);
    b_.SetInsertPoint(work);
    llvm::Value* old = perElement(0, nullptr);
    llvm::Value* index = b_.getInt32(0);
    sharedBytes_ = std::max<int64_t>(sharedBytes_, 16);
    b_.CreateStore(dtype == DType::Bool ? b_.CreateZExt(old, b_.getInt8Ty()) : old, sharedAddress(0, index, dtype));
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    barrier();
    values_[op.result()] = {readShared(0, index, dtype)};
    return;
  }
  if (scalar) {
    llvm::Value* result = perElement(0, nullptr);
    if (op.numResults()) values_[op.result()] = {result};
    return;
  }
  Slots out = forEachSlot(elements, op.numResults() ? resultType : nullptr, perElement);
  if (op.numResults()) values_[op.result()] = out;
}

// ---- through shared memory ------------------------------------------------------------

void KernelCodegen::shuffle(const tir::Op& op) {
  const tir::Value* input = op.operand(0);
  const tir::Type& inType = input->type();
  const tir::Type& outType = op.result()->type();
  barrier();
  spill(input, 0);
  barrier();
  std::vector<int64_t> order;
  if (op.kind() == tir::OpKind::Permute) order = op.intsAttr("order");
  Slots out = forEachSlot(outType.numElements(), elementType(outType.dtype), [&](int64_t, llvm::Value* index) {
    std::vector<llvm::Value*> coords = coordinates(index, outType.shape);
    std::vector<llvm::Value*> source(inType.shape.size());
    for (size_t d = 0; d < coords.size(); ++d) {
      if (op.kind() == tir::OpKind::Permute) source[order[d]] = coords[d];
      else source[d] = inType.shape[d] == 1 ? b_.getInt32(0) : coords[d];
    }
    return readShared(0, linearIndex(source, inType.shape), inType.dtype);
  });
  values_[op.result()] = out;
}

void KernelCodegen::reduce(const tir::Op& op) {
  const tir::Value* input = op.operand(0);
  const tir::Type& inType = input->type();
  const tir::Type& outType = op.result()->type();
  int64_t axis = op.intAttr("axis");
  ReduceOp kind = *opNamed<ReduceOp>(op.stringAttr("op"));
  DType dtype = inType.dtype;
  bool index = kind == ReduceOp::ArgMax || kind == ReduceOp::ArgMin;
  barrier();
  spill(input, 0);
  barrier();
  std::vector<int64_t> outShape = inType.shape;
  outShape.erase(outShape.begin() + axis);
  int64_t length = inType.shape[axis];
  int64_t outElements = outType.isTile() ? outType.numElements() : 1;
  llvm::Type* valueType = elementType(dtype);
  auto combine = [&](llvm::Value* outIndex) -> llvm::Value* {
    std::vector<llvm::Value*> coords = outShape.empty() ? std::vector<llvm::Value*>{} : coordinates(outIndex, outShape);
    auto element = [&](llvm::Value* k) {
      std::vector<llvm::Value*> full = coords;
      full.insert(full.begin() + axis, k);
      return readShared(0, linearIndex(full, inType.shape), dtype);
    };
    llvm::Value* first = element(b_.getInt32(0));
    if (!index) {
      if (length == 1) return first;
      return countedLoop(length - 1, first, [&](llvm::Value* k, llvm::Value* acc) {
        llvm::Value* next = element(b_.CreateAdd(k, b_.getInt32(1)));
        switch (kind) {
          case ReduceOp::Sum: return binary(op, BinaryOp::Add, dtype, acc, next);
          case ReduceOp::Prod: return binary(op, BinaryOp::Mul, dtype, acc, next);
          case ReduceOp::Max:
          case ReduceOp::AMax: return binary(op, BinaryOp::Maximum, dtype, acc, next);
          case ReduceOp::Min:
          case ReduceOp::AMin: return binary(op, BinaryOp::Minimum, dtype, acc, next);
          default: unsupported(op, fmt::format("reduce '{}'", opInfo(kind).name));
        }
      });
    }
    // argmax/argmin: the first index of the extreme (NaN counts as extreme).
    llvm::StructType* pair = llvm::StructType::get(context_, {valueType, b_.getInt64Ty()});
    llvm::Value* init = b_.CreateInsertValue(b_.CreateInsertValue(llvm::UndefValue::get(pair), first, 0), b_.getInt64(0), 1);
    if (length == 1) return b_.getInt64(0);
    llvm::Value* result = countedLoop(length - 1, init, [&](llvm::Value* k, llvm::Value* acc) {
      llvm::Value* k1 = b_.CreateAdd(k, b_.getInt32(1));
      llvm::Value* next = element(k1);
      llvm::Value* best = b_.CreateExtractValue(acc, 0);
      llvm::Value* better;
      if (isFloating(dtype)) {
        llvm::Value* x = toFloat(next, dtype);
        llvm::Value* y = toFloat(best, dtype);
        llvm::Value* strictly = kind == ReduceOp::ArgMax ? b_.CreateFCmpOGT(x, y) : b_.CreateFCmpOLT(x, y);
        better = b_.CreateAnd(b_.CreateOr(strictly, b_.CreateFCmpUNO(x, x)), b_.CreateFCmpORD(y, y));
      } else {
        better = kind == ReduceOp::ArgMax ? (isSigned(dtype) ? b_.CreateICmpSGT(next, best) : b_.CreateICmpUGT(next, best))
                                          : (isSigned(dtype) ? b_.CreateICmpSLT(next, best) : b_.CreateICmpULT(next, best));
      }
      llvm::Value* updated = b_.CreateInsertValue(b_.CreateInsertValue(acc, next, 0), b_.CreateZExt(k1, b_.getInt64Ty()), 1);
      return b_.CreateSelect(better, updated, acc);
    });
    return b_.CreateExtractValue(result, 1);
  };
  llvm::Type* resultType = elementType(outType.dtype);
  Slots out;
  if (!outType.isTile()) out = {combine(b_.getInt32(0))};
  else out = forEachSlot(outElements, resultType, [&](int64_t, llvm::Value* outIndex) { return combine(outIndex); });
  values_[op.result()] = out;
  barrier();
}

void KernelCodegen::scan(const tir::Op& op) {
  const tir::Value* input = op.operand(0);
  const tir::Type& type = input->type();
  int64_t axis = op.intAttr("axis");
  ScanOp kind = *opNamed<ScanOp>(op.stringAttr("op"));
  barrier();
  spill(input, 0);
  barrier();
  Slots out = forEachSlot(type.numElements(), elementType(type.dtype), [&](int64_t, llvm::Value* index) {
    std::vector<llvm::Value*> coords = coordinates(index, type.shape);
    llvm::Value* position = coords[axis];
    auto element = [&](llvm::Value* k) {
      std::vector<llvm::Value*> at = coords;
      at[axis] = k;
      return readShared(0, linearIndex(at, type.shape), type.dtype);
    };
    // Combine elements 0..position in order: a loop over the whole axis that
    // stops contributing past the position.
    llvm::Value* first = element(b_.getInt32(0));
    if (type.shape[axis] == 1) return first;
    return countedLoop(type.shape[axis] - 1, first, [&](llvm::Value* k, llvm::Value* acc) {
      llvm::Value* k1 = b_.CreateAdd(k, b_.getInt32(1));
      llvm::Value* combined = binary(op, kind == ScanOp::CumSum ? BinaryOp::Add : BinaryOp::Mul, type.dtype, acc, element(k1));
      return b_.CreateSelect(b_.CreateICmpULE(k1, position), combined, acc);
    });
  });
  values_[op.result()] = out;
  barrier();
}

void KernelCodegen::dot(const tir::Op& op) {
  const tir::Value* a = op.operand(0);
  const tir::Value* c = op.operand(1);
  const tir::Value* acc = op.operand(2);
  const tir::Type& aType = a->type();
  const tir::Type& cType = c->type();
  const tir::Type& outType = op.result()->type();
  DType input = aType.dtype;
  DType accType = outType.dtype;
  bool batched = aType.rank() == 3;
  int64_t k = aType.shape.back();
  int64_t aBytes = (bytesOf(aType) + 15) / 16 * 16;
  barrier();
  spill(a, 0);
  spill(c, aBytes);
  barrier();
  const Slots& accSlots = slots(acc);
  Slots out = forEachSlot(outType.numElements(), elementType(accType), [&](int64_t slot, llvm::Value* index) {
    std::vector<llvm::Value*> coords = coordinates(index, outType.shape);
    llvm::Value* batch = batched ? coords[0] : nullptr;
    llvm::Value* row = coords[batched ? 1 : 0];
    llvm::Value* column = coords[batched ? 2 : 1];
    llvm::Value* start = accSlots[slot];
    return countedLoop(k, start, [&](llvm::Value* kk, llvm::Value* sum) {
      std::vector<llvm::Value*> aAt = batched ? std::vector<llvm::Value*>{batch, row, kk} : std::vector<llvm::Value*>{row, kk};
      std::vector<llvm::Value*> cAt = batched ? std::vector<llvm::Value*>{batch, kk, column} : std::vector<llvm::Value*>{kk, column};
      llvm::Value* x = cast(readShared(0, linearIndex(aAt, aType.shape), input), input, accType);
      llvm::Value* y = cast(readShared(aBytes, linearIndex(cAt, cType.shape), input), input, accType);
      if (isFloating(accType)) {
        llvm::Value* wideSum = toFloat(sum, accType);
        llvm::Value* product = b_.CreateIntrinsic(llvm::Intrinsic::fma, {wideSum->getType()},
                                                  {toFloat(x, accType), toFloat(y, accType), wideSum});
        return fromFloat(product, accType);
      }
      return b_.CreateAdd(sum, b_.CreateMul(x, y));
    });
  });
  values_[op.result()] = out;
  barrier();
}

// ---- LLVM ------------------------------------------------------------------------------

llvm::TargetMachine& targetMachine(const std::string& arch) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<llvm::TargetMachine>> machines;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = machines.find(arch);
  if (it != machines.end()) return *it->second;
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  if (!target) throw std::runtime_error("LLVM has no NVPTX target: " + error);
  llvm::TargetOptions options;
  auto* machine = target->createTargetMachine(kTriple, arch, "+ptx80", options, std::nullopt, std::nullopt,
                                              llvm::CodeGenOptLevel::Aggressive);
  return *machines.emplace(arch, std::unique_ptr<llvm::TargetMachine>(machine)).first->second;
}

struct Built {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  int64_t threads;
  int64_t sharedBytes;
};

Built build(const tir::Kernel& kernel, const Target& target) {
  Built built;
  built.context = std::make_unique<llvm::LLVMContext>();
  built.module = std::make_unique<llvm::Module>(kernel.name, *built.context);
  built.module->setTargetTriple(kTriple);
  llvm::TargetMachine& machine = targetMachine(target.arch);
  built.module->setDataLayout(machine.createDataLayout());
  KernelCodegen codegen(kernel, *built.module);
  codegen.emit();
  built.threads = codegen.threads();
  built.sharedBytes = codegen.sharedBytes();
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*built.module, &stream))
    throw std::logic_error("internal compiler error: invalid LLVM IR for kernel " + kernel.name + ": " + problems);
  // Optimize (the IR above is straightforward, not fast).
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder passes(&machine);
  passes.registerModuleAnalyses(modules);
  passes.registerCGSCCAnalyses(cgscc);
  passes.registerFunctionAnalyses(functions);
  passes.registerLoopAnalyses(loops);
  passes.crossRegisterProxies(loops, functions, cgscc, modules);
  passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(*built.module, modules);
  return built;
}

}  // namespace

std::string emitLLVM(const tir::Kernel& kernel, const Target& target) {
  Built built = build(kernel, target);
  std::string text;
  llvm::raw_string_ostream stream(text);
  built.module->print(stream, nullptr);
  return text;
}

Ptx emitPTX(const tir::Kernel& kernel, const Target& target) {
  Built built = build(kernel, target);
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager passes;
  if (targetMachine(target.arch).addPassesToEmitFile(passes, stream, nullptr, llvm::CodeGenFileType::AssemblyFile))
    throw std::runtime_error("LLVM cannot emit PTX for " + target.arch);
  passes.run(*built.module);
  Ptx ptx;
  ptx.text = std::string(buffer.str());
  ptx.entry = kernel.name;
  ptx.threads = built.threads;
  ptx.sharedBytes = built.sharedBytes;
  return ptx;
}

}  // namespace hel::nvptx
