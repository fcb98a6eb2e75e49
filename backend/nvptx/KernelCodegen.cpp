#include "backend/nvptx/KernelCodegen.h"

#include <fmt/format.h>
#include <llvm/IR/IntrinsicsNVPTX.h>

namespace hel::nvptx {

void unsupported(const tir::Op& op, const std::string& what) {
  throw Unsupported{fmt::format("{} is not supported on the GPU yet (use --device cpu)", what), op.location};
}

namespace {

int threadBitsOf(const tir::Kernel& kernel) { return log2Exact(32 * kernel.launch.numWarps); }

}  // namespace

KernelCodegen::KernelCodegen(const tir::Kernel& kernel, llvm::Module& module, const Target& target)
    : kernel_(kernel),
      module_(module),
      context_(module.getContext()),
      b_(context_),
      target_(target),
      threadBits_(threadBitsOf(kernel)),
      warpGroupMma_(target.hasWarpGroupMma()),
      layouts_(kernel, threadBits_, warpGroupMma_),
      axisInfo_(kernel) {}

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

int64_t KernelCodegen::bytesOf(DType dtype) const {
  return static_cast<int64_t>(memoryType(dtype)->getPrimitiveSizeInBits() / 8);
}

int KernelCodegen::programsPerMultiprocessor() const {
  // A tf32 wgmma dot of at most 64 accumulators a thread in programs of at
  // most 256 threads: two programs an SM, each within 128 registers a
  // thread, overlap one's staging of b and waits with the other's
  // instructions (H100, f32 4096^3 on [128, 128, 32] tiles of 8 warps:
  // 0.73 ms against 0.98 with one program an SM).
  int programs = 1;
  tir::walk(kernel_.body, [&](const tir::Op& op) {
    std::optional<MmaLayouts> mma = op.kind() == tir::OpKind::Dot ? layouts_.tensorCoreLayouts(op) : std::nullopt;
    if (mma && mma->tf32 && mma->accumulator.slots() <= 64 && threads() <= 256) programs = 2;
  });
  return programs;
}

int KernelCodegen::ptxasOptimization() const {
  // As dot() picks: tensor cores first, then the blocked FMA dot.
  bool blockedFma = false, tensorCores = false;
  tir::walk(kernel_.body, [&](const tir::Op& op) {
    if (op.kind() != tir::OpKind::Dot) return;
    if (layouts_.tensorCoreLayouts(op)) tensorCores = true;
    else if (layouts_.blockedFmaLayout(op)) blockedFma = true;
  });
  return blockedFma && !tensorCores ? 1 : kDefaultPtxasOptimization;
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
  written_ = tir::writtenPointers(kernel_);
  tir::walk(kernel_.body, [&](const tir::Op& op) {
    // Far more elements than a thread has registers would spill to local memory and
    // take LLVM minutes to compile: a clear error instead.
    for (size_t i = 0; i < op.numResults(); ++i) {
      const tir::Type& type = op.result(i)->type();
      int64_t perThread = type.isTile() ? (type.numElements() + threads() - 1) / threads() : 0;
      if (perThread > kMaxElementsPerThread)
        throw Unsupported{fmt::format("a tile of {} elements is {} per thread with num_warps={}, more than the {} a "
                                      "thread can hold: use smaller block sizes or more warps",
                                      type.numElements(), perThread, kernel_.launch.numWarps, kMaxElementsPerThread),
                          op.location};
    }
  });
  // The rings first: the tensor maps of their TMA copies are parameters too.
  planAsyncCopies();
  std::vector<llvm::Type*> params;
  for (size_t i = 0; i < kernel_.numParams(); ++i) {
    const tir::Type& type = kernel_.param(i)->type();
    params.push_back(type.isPointer() ? static_cast<llvm::Type*>(llvm::PointerType::get(context_, 1))
                                      : elementType(type.dtype));
  }
  params.insert(params.end(), tensorMaps_.size(), llvm::PointerType::get(context_, 1));
  auto* fnType = llvm::FunctionType::get(b_.getVoidTy(), params, false);
  function_ = llvm::Function::Create(fnType, llvm::Function::ExternalLinkage, kernel_.name, module_);
  function_->setCallingConv(llvm::CallingConv::PTX_Kernel);
  for (size_t i = 0; i < kernel_.numParams(); ++i) {
    llvm::Argument* arg = function_->getArg(static_cast<unsigned>(i));
    const tir::Value* param = kernel_.param(i);
    arg->setName(param->nameHint().empty() ? fmt::format("arg{}", i) : param->nameHint());
    if (param->type().isPointer()) {
      // Distinct tensors are distinct parameters (aliases share one), and a
      // tensor the kernel only reads goes through the read-only data path.
      arg->addAttr(llvm::Attribute::NoAlias);
      if (!written_.count(param)) arg->addAttr(llvm::Attribute::ReadOnly);
      int64_t alignment = std::max<int64_t>(param->type().alignment, itemSize(param->type().dtype));
      arg->addAttr(llvm::Attribute::getWithAlignment(context_, llvm::Align(static_cast<uint64_t>(alignment))));
    }
    scalars_[param] = arg;
  }
  for (size_t i = 0; i < tensorMaps_.size(); ++i) {
    llvm::Argument* arg = function_->getArg(static_cast<unsigned>(kernel_.numParams() + i));
    arg->setName(fmt::format("tensor_map{}", i));
    arg->addAttr(llvm::Attribute::NoAlias);
    arg->addAttr(llvm::Attribute::ReadOnly);
    arg->addAttr(llvm::Attribute::getWithAlignment(context_, llvm::Align(64)));
    tensorMapArguments_.push_back(arg);
  }
  // Launch bounds: ptxas may use registers for exactly this many threads.
  llvm::NamedMDNode* annotations = module_.getOrInsertNamedMetadata("nvvm.annotations");
  auto annotate = [&](const char* key, int64_t value) {
    llvm::Metadata* fields[] = {llvm::ValueAsMetadata::get(function_), llvm::MDString::get(context_, key),
                                llvm::ValueAsMetadata::get(b_.getInt32(static_cast<uint32_t>(value)))};
    annotations->addOperand(llvm::MDNode::get(context_, fields));
  };
  annotate("kernel", 1);
  annotate("maxntidx", threads());
  if (int programs = programsPerMultiprocessor(); programs > 1) annotate("minctasm", programs);

  shared_ = new llvm::GlobalVariable(module_, llvm::ArrayType::get(b_.getInt8Ty(), 0), false,
                                     llvm::GlobalValue::ExternalLinkage, nullptr, "hel_shared", nullptr,
                                     llvm::GlobalValue::NotThreadLocal, 3);
  shared_->setAlignment(llvm::Align(warpGroupMma_ ? kSwizzleAtomBytes : 16));

  llvm::BasicBlock* entry = llvm::BasicBlock::Create(context_, "entry", function_);
  b_.SetInsertPoint(entry);
  threadId_ = b_.CreateIntrinsic(llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x, {}, {}, nullptr, "tid");
  if (!tensorMaps_.empty()) initSlotBarriers(nullptr);
  emitBlock(kernel_.body);
}

// ---- values in layouts ----------------------------------------------------------------

llvm::Value* KernelCodegen::threadElementBits(const Layout& layout) {
  // Runs of element bits that come from consecutive thread bits move together.
  llvm::Value* bits = nullptr;
  for (size_t f = 0; f < layout.bits.size();) {
    int threadBit = layout.bits[f];
    if (threadBit == Layout::kRegister) {
      ++f;
      continue;
    }
    size_t length = 1;
    while (f + length < layout.bits.size() && layout.bits[f + length] == threadBit + static_cast<int>(length)) ++length;
    llvm::Value* run = b_.CreateAnd(b_.CreateLShr(threadId_, static_cast<uint64_t>(threadBit)),
                                    static_cast<uint64_t>((1u << length) - 1));
    run = b_.CreateShl(run, static_cast<uint64_t>(f));
    bits = bits ? b_.CreateOr(bits, run) : run;
    f += length;
  }
  return bits ? bits : b_.getInt32(0);
}

Slots KernelCodegen::coordinate(const Layout& layout, const std::vector<int64_t>& shape, size_t dim) {
  int offset = dimBitOffsets(shape)[dim];
  uint64_t mask = static_cast<uint64_t>(shape[dim] - 1);
  llvm::Value* fromThread = b_.CreateAnd(b_.CreateLShr(threadElementBits(layout), static_cast<uint64_t>(offset)), mask);
  Slots out;
  for (int64_t slot = 0; slot < layout.slots(); ++slot) {
    uint64_t fromSlot = (static_cast<uint64_t>(layout.elementBitsOfSlot(slot)) >> offset) & mask;
    out.push_back(fromSlot ? b_.CreateOr(fromThread, fromSlot) : fromThread);
  }
  return out;
}

llvm::Value* KernelCodegen::ownsElements(const Layout& layout) {
  uint32_t replicated = layout.replicatedThreadMask();
  if (!replicated) return nullptr;
  return b_.CreateICmpEQ(b_.CreateAnd(threadId_, replicated), b_.getInt32(0));
}

void KernelCodegen::define(const tir::Value* value, Slots slots) {
  if (value->type().isTile()) tiles_[value] = std::move(slots);
  else scalars_[value] = slots.at(0);
}

Slots KernelCodegen::get(const tir::Value* value, const Layout& layout) {
  if (!value->type().isTile()) return Slots(static_cast<size_t>(layout.slots()), scalar(value));
  const Layout* own = layouts_.layoutOf(value);
  if (own && *own == layout) return tiles_.at(value);
  auto key = std::make_tuple(value, layout.str(), b_.GetInsertBlock());
  auto found = other_.find(key);
  if (found != other_.end()) return found->second;
  Slots slots = own ? getTogether({{value, layout}})[0] : compute(*value->definingOp(), layout);
  other_[std::make_tuple(value, layout.str(), b_.GetInsertBlock())] = slots;
  return slots;
}

Slots KernelCodegen::compute(const tir::Op& op, const Layout& layout) {
  const tir::Type& type = op.result()->type();
  int64_t count = layout.slots();
  switch (op.kind()) {
    case tir::OpKind::Constant:
      return Slots(static_cast<size_t>(count), constantOf(type.dtype, *op.findAttribute("value")));
    case tir::OpKind::Splat: return Slots(static_cast<size_t>(count), scalar(op.operand(0)));
    case tir::OpKind::Arange: {
      Slots out = coordinate(layout, type.shape, 0);
      int64_t start = op.intAttr("start");
      if (start)
        for (llvm::Value*& element : out) element = b_.CreateAdd(element, b_.getInt32(static_cast<uint32_t>(start)));
      return out;
    }
    case tir::OpKind::ExpandDims:
    case tir::OpKind::Reshape: return get(op.operand(0), layout);
    case tir::OpKind::Broadcast: {
      const tir::Type& source = op.operand(0)->type();
      std::vector<bool> dropped(type.shape.size());
      for (size_t d = 0; d < type.shape.size(); ++d) dropped[d] = source.shape[d] != type.shape[d];
      Layout sourceLayout = dropDims(layout, type.shape, dropped);
      std::vector<bool> keptRegister = registerBitsKept(layout, type.shape, dropped);
      Slots in = get(op.operand(0), sourceLayout);
      Slots out;
      for (int64_t slot = 0; slot < count; ++slot) out.push_back(in[compressSlot(slot, keptRegister)]);
      return out;
    }
    case tir::OpKind::Permute: {
      const tir::Type& source = op.operand(0)->type();
      const std::vector<int64_t>& order = op.intsAttr("order");
      Layout sourceLayout = unpermuteLayout(layout, source.shape, order);
      std::vector<int> sourceBit = permutedBitSources(source.shape, order);
      Slots in = get(op.operand(0), sourceLayout);
      Slots out;
      for (int64_t slot = 0; slot < count; ++slot) {
        int64_t element = layout.elementBitsOfSlot(slot), sourceElement = 0;
        for (size_t f = 0; f < sourceBit.size(); ++f)
          if ((element >> f) & 1) sourceElement |= int64_t{1} << sourceBit[f];
        out.push_back(in[sourceLayout.slotOfElement(sourceElement)]);
      }
      return out;
    }
    case tir::OpKind::Unary:
    case tir::OpKind::Binary:
    case tir::OpKind::Cast:
    case tir::OpKind::Select: {
      std::vector<Slots> operands;
      for (const tir::Value* operand : op.operands()) operands.push_back(get(operand, layout));
      Slots out;
      std::vector<llvm::Value*> elements(operands.size());
      for (int64_t slot = 0; slot < count; ++slot) {
        for (size_t i = 0; i < operands.size(); ++i) elements[i] = operands[i][slot];
        out.push_back(elementwise(op, elements));
      }
      return out;
    }
    default: throw std::logic_error(fmt::format("internal compiler error: '{}' has no layout", tir::opKindName(op.kind())));
  }
}

// ---- ops ------------------------------------------------------------------------------

void KernelCodegen::emitBlock(const tir::Block& block) {
  for (const auto& op : block.ops()) emitOp(*op);
}

void KernelCodegen::emitOp(const tir::Op& op) {
  switch (op.kind()) {
    case tir::OpKind::Permute:
      // A ring tile read transposed: the same slot, which the dot reads K-major.
      if (isAsync(op.result())) {
        ringSlot_[op.result()] = ringSlot_.at(op.operand(0));
        if (ringPhase_.count(op.operand(0))) ringPhase_[op.result()] = ringPhase_.at(op.operand(0));
        return;
      }
      break;
    case tir::OpKind::Load:
      if (isAsync(op.result())) return asyncCopy(op);
      [[fallthrough]];
    case tir::OpKind::Store:
    case tir::OpKind::Atomic: memoryOp(op); return;
    case tir::OpKind::Reduce: reduce(op); return;
    case tir::OpKind::Scan: scan(op); return;
    case tir::OpKind::Dot: dot(op); return;
    case tir::OpKind::For: emitFor(op); return;
    case tir::OpKind::If: emitIf(op); return;
    case tir::OpKind::CombineSplits: combineSplits(op); return;
    case tir::OpKind::Yield: return;  // handled by for/if
    case tir::OpKind::Print: unsupported(op, "hl.device_print");
    case tir::OpKind::Return: b_.CreateRetVoid(); return;
    default: break;
  }
  if (!op.result()->type().isTile()) return emitScalar(op);
  // A tile with a layout of its own is computed now; one without is computed
  // where a user asks for it, in the user's layout.
  if (const Layout* layout = layouts_.layoutOf(op.result())) tiles_[op.result()] = compute(op, *layout);
}

void KernelCodegen::emitScalar(const tir::Op& op) {
  const tir::Type& type = op.result()->type();
  switch (op.kind()) {
    case tir::OpKind::Constant: scalars_[op.result()] = constantOf(type.dtype, *op.findAttribute("value")); return;
    case tir::OpKind::ProgramId:
    case tir::OpKind::NumPrograms: {
      static const llvm::Intrinsic::ID ids[2][3] = {
          {llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_y,
           llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_z},
          {llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_x, llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_y,
           llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_z}};
      int64_t axis = op.intAttr("axis");
      scalars_[op.result()] = b_.CreateIntrinsic(ids[op.kind() == tir::OpKind::NumPrograms][axis], {}, {});
      return;
    }
    case tir::OpKind::Unary:
    case tir::OpKind::Binary:
    case tir::OpKind::Cast:
    case tir::OpKind::Select: {
      std::vector<llvm::Value*> operands;
      for (const tir::Value* operand : op.operands()) operands.push_back(scalar(operand));
      scalars_[op.result()] = elementwise(op, operands);
      return;
    }
    default:
      throw std::logic_error(fmt::format("internal compiler error: scalar '{}'", tir::opKindName(op.kind())));
  }
}

void KernelCodegen::emitFor(const tir::Op& op) {
  const tir::Block& body = op.regions()[0]->body();
  llvm::Value* lo = scalar(op.operand(0));
  llvm::Value* hi = scalar(op.operand(1));
  llvm::Value* step = scalar(op.operand(2));
  size_t carried = op.operands().size() - 3;
  std::vector<Layout> layouts;
  std::vector<Slots> inits;
  for (size_t i = 0; i < carried; ++i) {
    const tir::Value* argument = body.argument(i + 1);
    layouts.push_back(argument->type().isTile() ? *layouts_.layoutOf(argument) : Layout{});
    // A tile in a ring is carried as its slot number (and, in a TMA ring, its phase).
    inits.push_back(isAsync(argument) ? ringPosition(op.operand(i + 3)) : get(op.operand(i + 3), layouts.back()));
  }
  llvm::BasicBlock* preheader = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(context_, "for", function_);
  llvm::BasicBlock* bodyBlock = llvm::BasicBlock::Create(context_, "for.body", function_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(context_, "for.exit", function_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(lo->getType(), 2, "iv");
  iv->addIncoming(lo, preheader);
  std::vector<std::vector<llvm::PHINode*>> phis(carried);
  for (size_t i = 0; i < carried; ++i) {
    Slots current;
    for (llvm::Value* value : inits[i]) {
      llvm::PHINode* phi = b_.CreatePHI(value->getType(), 2);
      phi->addIncoming(value, preheader);
      phis[i].push_back(phi);
      current.push_back(phi);
    }
    if (isAsync(body.argument(i + 1))) {
      ringSlot_[body.argument(i + 1)] = current[0];
      if (current.size() > 1) ringPhase_[body.argument(i + 1)] = current[1];
    } else {
      define(body.argument(i + 1), current);
    }
  }
  scalars_[body.argument(0)] = iv;
  b_.CreateCondBr(b_.CreateICmpSLT(iv, hi), bodyBlock, exit);
  b_.SetInsertPoint(bodyBlock);
  auto pending = pendingGroups_.find(&op);
  bool async = pending != pendingGroups_.end();
  auto tensorChains = tensorChains_.find(&op);
  if (async) {
    // This iteration's copies have landed, for every thread; and every thread
    // is done with the slots the body's copies overwrite.
    if (pending->second >= 0) {
      asyncInstruction(fmt::format("cp.async.wait_group {};", pending->second));
      // wgmma reads shared memory through the async proxy, cp.async wrote it through the generic one.
      if (warpGroupMma_) asyncInstruction("fence.proxy.async.shared::cta;");
    }
    if (tensorChains != tensorChains_.end())
      for (const auto& chain : tensorChains->second) waitForTensorCopy(chain[0]);
    barrier();
  }
  emitBlock(body);
  const tir::Op& yield = *body.ops().back();
  std::vector<Slots> next;
  for (size_t i = 0; i < carried; ++i)
    next.push_back(isAsync(body.argument(i + 1)) ? ringPosition(yield.operand(i)) : get(yield.operand(i), layouts[i]));
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  iv->addIncoming(b_.CreateAdd(iv, step), latch);
  for (size_t i = 0; i < carried; ++i)
    for (size_t s = 0; s < phis[i].size(); ++s) phis[i][s]->addIncoming(next[i][s], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  // The copies issued for the iterations after the last are not left in flight.
  if (async && pending->second >= 0) asyncInstruction("cp.async.wait_group 0;");
  if (tensorChains != tensorChains_.end()) {
    for (const auto& chain : tensorChains->second)
      for (const tir::Value* carried : chain) waitForTensorCopy(carried);
    // Nor the slots' mbarriers valid where their memory may be reused; in a
    // loop nest, they start afresh for the next run of this loop.
    barrier();
    onSlotBarriers(&op, "mbarrier.inval.shared::cta.b64 [$0];");
    if (op.parentBlock()->parentOp()) initSlotBarriers(&op);
  }
  for (size_t i = 0; i < carried; ++i) {
    if (isAsync(body.argument(i + 1))) continue;
    Slots result(phis[i].begin(), phis[i].end());
    // Nor the last iteration's wgmma.
    const tir::Op* producer = yield.operand(i)->definingOp();
    if (producer && producer->kind() == tir::OpKind::Dot && keepsInFlight(*producer)) result = waitForWarpGroupMma(result, 0);
    if (std::optional<Layout> blocked = producer && producer->kind() == tir::OpKind::Dot
                                            ? layouts_.blockedFmaLayout(*producer)
                                            : std::nullopt)
      result = rebankAccumulators(*producer, *blocked, result);
    define(op.result(i), result);
  }
}

void KernelCodegen::emitIf(const tir::Op& op) {
  llvm::Value* condition = scalar(op.operand(0));
  llvm::BasicBlock* thenBlock = llvm::BasicBlock::Create(context_, "then", function_);
  llvm::BasicBlock* elseBlock = llvm::BasicBlock::Create(context_, "else", function_);
  llvm::BasicBlock* merge = llvm::BasicBlock::Create(context_, "endif", function_);
  b_.CreateCondBr(condition, thenBlock, elseBlock);
  std::vector<Layout> layouts;
  for (size_t i = 0; i < op.numResults(); ++i)
    layouts.push_back(op.result(i)->type().isTile() ? *layouts_.layoutOf(op.result(i)) : Layout{});
  std::vector<std::pair<llvm::BasicBlock*, std::vector<Slots>>> ends;
  for (int branch = 0; branch < 2; ++branch) {
    b_.SetInsertPoint(branch == 0 ? thenBlock : elseBlock);
    const tir::Block& body = op.regions()[branch]->body();
    emitBlock(body);
    std::vector<Slots> yielded;
    for (size_t i = 0; i < op.numResults(); ++i) yielded.push_back(get(body.ops().back()->operand(i), layouts[i]));
    ends.emplace_back(b_.GetInsertBlock(), std::move(yielded));
    b_.CreateBr(merge);
  }
  b_.SetInsertPoint(merge);
  for (size_t i = 0; i < op.numResults(); ++i) {
    Slots merged;
    for (size_t s = 0; s < ends[0].second[i].size(); ++s) {
      llvm::PHINode* phi = b_.CreatePHI(ends[0].second[i][s]->getType(), 2);
      phi->addIncoming(ends[0].second[i][s], ends[0].first);
      phi->addIncoming(ends[1].second[i][s], ends[1].first);
      merged.push_back(phi);
    }
    define(op.result(i), merged);
  }
}

}  // namespace hel::nvptx
