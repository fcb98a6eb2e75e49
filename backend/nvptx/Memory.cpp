// Loads, stores and atomics. A tile access walks its layout's slots in groups
// of consecutive elements that one vector instruction can move (up to 16
// bytes): the offsets must be contiguous and aligned along the last dim and
// the mask constant over each group (lower/AxisInfo.h), and the pointer
// aligned (from specialization). Masked accesses are predicated PTX
// instructions written as inline assembly, since LLVM 19 turns
// llvm.masked.load into a branch per element; the masked-off lanes of a load
// keep `other`.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {
namespace {

struct Operands {
  const tir::Value* mask = nullptr;
  const tir::Value* other = nullptr;
  const tir::Value* value = nullptr;
  const tir::Value* compare = nullptr;
};

// After (ptr, offsets): load: mask, other; store: value, mask; atomic: [cmp,] value, mask.
Operands operandsOf(const tir::Op& op) {
  Operands operands;
  size_t count = op.operands().size();
  if (op.kind() == tir::OpKind::Load) {
    if (count > 2) operands.mask = op.operand(2);
    if (count > 3) operands.other = op.operand(3);
  } else if (op.kind() == tir::OpKind::Store) {
    operands.value = op.operand(2);
    if (count > 3) operands.mask = op.operand(3);
  } else {
    size_t next = 2;
    if (op.stringAttr("op") == "cas") operands.compare = op.operand(next++);
    operands.value = op.operand(next++);
    if (count > next) operands.mask = op.operand(next);
  }
  return operands;
}

// The inline-assembly register class and PTX type of an element of `bytes`.
const char* registerClass(int64_t bytes) { return bytes == 2 ? "h" : bytes == 4 ? "r" : "l"; }

std::string vectorList(size_t first, size_t count) {
  std::string text = count > 1 ? "{" : "";
  for (size_t i = 0; i < count; ++i) text += fmt::format("{}${}", i ? ", " : "", first + i);
  return text + (count > 1 ? "}" : "");
}

std::string vectorSuffix(size_t count) { return count > 1 ? fmt::format(".v{}", count) : ""; }

}  // namespace

llvm::Value* KernelCodegen::guarded(llvm::Value* condition, llvm::Type* type, llvm::Value* otherwise,
                                    const std::function<llvm::Value*()>& body) {
  if (!condition) return body();
  llvm::BasicBlock* from = b_.GetInsertBlock();
  llvm::BasicBlock* work = llvm::BasicBlock::Create(context_, "guarded", function_);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(context_, "guarded.done", function_);
  b_.CreateCondBr(condition, work, done);
  b_.SetInsertPoint(work);
  llvm::Value* result = body();
  llvm::BasicBlock* workEnd = b_.GetInsertBlock();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  if (!type) return nullptr;
  llvm::PHINode* phi = b_.CreatePHI(type, 2);
  phi->addIncoming(result, workEnd);
  phi->addIncoming(otherwise, from);
  return phi;
}

int64_t KernelCodegen::vectorWidth(const tir::Op& op, const Layout& layout, const tir::Value* mask) {
  const tir::Type& pointer = op.operand(0)->type();
  int64_t bytes = bytesOf(pointer.dtype);
  if (op.kind() == tir::OpKind::Atomic || (mask && bytes == 1)) return 1;
  int vectorBits = 0;
  while (vectorBits < static_cast<int>(layout.bits.size()) && layout.bits[vectorBits] == Layout::kRegister) ++vectorBits;
  int64_t width = std::min<int64_t>(int64_t{1} << vectorBits, 16 / bytes);
  tir::AxisFacts offsets = axisInfo_.facts(op.operand(1));
  int64_t maskConstancy = mask ? axisInfo_.facts(mask).constancy : tir::AxisFacts::kUnbounded;
  int64_t alignment = std::max(pointer.alignment, bytes);
  while (width > 1 && !(offsets.contiguity >= width && offsets.divisibility >= width && maskConstancy >= width &&
                        alignment >= width * bytes))
    width /= 2;
  return width;
}

std::vector<llvm::Value*> KernelCodegen::loadVector(llvm::Value* address, DType dtype, int64_t width, llvm::Value* on,
                                                    const std::vector<llvm::Value*>& others, bool readOnly) {
  llvm::Type* stored = memoryType(dtype);
  int64_t bytes = static_cast<int64_t>(stored->getPrimitiveSizeInBits() / 8);
  std::vector<llvm::Value*> elements;
  auto fromMemory = [&](llvm::Value* element) {
    return dtype == DType::Bool ? b_.CreateICmpNE(element, b_.getInt8(0)) : element;
  };
  if (!on || bytes == 1) {
    llvm::Type* type = width == 1 ? stored : static_cast<llvm::Type*>(llvm::FixedVectorType::get(stored, static_cast<unsigned>(width)));
    llvm::Value* otherwise = llvm::UndefValue::get(type);
    if (on) otherwise = dtype == DType::Bool ? b_.CreateZExt(others[0], b_.getInt8Ty()) : others[0];
    llvm::Value* loaded = guarded(on, type, otherwise, [&] {
      return b_.CreateAlignedLoad(type, address, llvm::Align(static_cast<uint64_t>(width * bytes)));
    });
    for (int64_t i = 0; i < width; ++i)
      elements.push_back(fromMemory(width == 1 ? loaded : b_.CreateExtractElement(loaded, static_cast<uint64_t>(i))));
    return elements;
  }
  // `mov` the defaults, then a predicated load over them: {$0..} = outputs,
  // then the address, the predicate and the defaults, in memory words.
  std::vector<llvm::Value*> defaults(others.begin(), others.begin() + width);
  std::vector<llvm::Value*> words = memoryWords(defaults, stored);
  llvm::Type* bits = words[0]->getType();
  int64_t wordBytes = static_cast<int64_t>(bits->getPrimitiveSizeInBits() / 8);
  size_t n = words.size();
  std::string text;
  for (size_t i = 0; i < n; ++i) text += fmt::format("mov.b{} ${}, ${};\n\t", wordBytes * 8, i, n + 2 + i);
  text += fmt::format("@${} ld.global{}{}.b{} {}, [${}];", n + 1, readOnly ? ".nc" : "", vectorSuffix(n), wordBytes * 8,
                      vectorList(0, n), n);
  std::string constraints;
  for (size_t i = 0; i < n; ++i) constraints += fmt::format("=&{},", registerClass(wordBytes));
  constraints += "l,b";
  for (size_t i = 0; i < n; ++i) constraints += fmt::format(",{}", registerClass(wordBytes));
  std::vector<llvm::Type*> resultTypes(n, bits);
  llvm::Type* resultType = n == 1 ? bits : static_cast<llvm::Type*>(llvm::StructType::get(context_, resultTypes));
  std::vector<llvm::Type*> argumentTypes = {address->getType(), b_.getInt1Ty()};
  std::vector<llvm::Value*> arguments = {address, on};
  for (llvm::Value* word : words) {
    argumentTypes.push_back(bits);
    arguments.push_back(word);
  }
  auto* asmType = llvm::FunctionType::get(resultType, argumentTypes, false);
  auto* inlineAsm = llvm::InlineAsm::get(asmType, text, constraints, /*hasSideEffects=*/true);
  llvm::Value* loaded = b_.CreateCall(asmType, inlineAsm, arguments);
  int64_t perWord = width / static_cast<int64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    llvm::Value* word = n == 1 ? loaded : b_.CreateExtractValue(loaded, static_cast<unsigned>(i));
    for (llvm::Value* element : fromMemoryWord(word, stored, perWord)) elements.push_back(element);
  }
  return elements;
}

std::vector<llvm::Value*> KernelCodegen::memoryWords(const std::vector<llvm::Value*>& elements, llvm::Type* stored) {
  // PTX vectors hold at most four: beyond that, 16-bit elements go in pairs.
  size_t perWord = std::max<size_t>(1, elements.size() / 4);
  unsigned bits = static_cast<unsigned>(stored->getPrimitiveSizeInBits() * perWord);
  std::vector<llvm::Value*> words;
  for (size_t first = 0; first < elements.size(); first += perWord) {
    if (perWord == 1) {
      words.push_back(b_.CreateBitCast(elements[first], b_.getIntNTy(bits)));
      continue;
    }
    llvm::Value* vector = llvm::UndefValue::get(llvm::FixedVectorType::get(stored, static_cast<unsigned>(perWord)));
    for (size_t i = 0; i < perWord; ++i) vector = b_.CreateInsertElement(vector, elements[first + i], static_cast<uint64_t>(i));
    words.push_back(b_.CreateBitCast(vector, b_.getIntNTy(bits)));
  }
  return words;
}

std::vector<llvm::Value*> KernelCodegen::fromMemoryWord(llvm::Value* word, llvm::Type* stored, int64_t perWord) {
  if (perWord == 1) return {b_.CreateBitCast(word, stored)};
  llvm::Value* vector = b_.CreateBitCast(word, llvm::FixedVectorType::get(stored, static_cast<unsigned>(perWord)));
  std::vector<llvm::Value*> elements;
  for (int64_t i = 0; i < perWord; ++i) elements.push_back(b_.CreateExtractElement(vector, static_cast<uint64_t>(i)));
  return elements;
}

void KernelCodegen::storeVector(llvm::Value* address, DType dtype, const std::vector<llvm::Value*>& values,
                                llvm::Value* on) {
  llvm::Type* stored = memoryType(dtype);
  int64_t bytes = static_cast<int64_t>(stored->getPrimitiveSizeInBits() / 8);
  size_t n = values.size();
  std::vector<llvm::Value*> elements;
  for (llvm::Value* value : values) elements.push_back(dtype == DType::Bool ? b_.CreateZExt(value, b_.getInt8Ty()) : value);
  if (!on || bytes == 1) {
    guarded(on, nullptr, nullptr, [&]() -> llvm::Value* {
      llvm::Value* vector = elements[0];
      if (n > 1) {
        vector = llvm::UndefValue::get(llvm::FixedVectorType::get(stored, static_cast<unsigned>(n)));
        for (size_t i = 0; i < n; ++i) vector = b_.CreateInsertElement(vector, elements[i], static_cast<uint64_t>(i));
      }
      b_.CreateAlignedStore(vector, address, llvm::Align(static_cast<uint64_t>(n * static_cast<size_t>(bytes))));
      return nullptr;
    });
    return;
  }
  std::vector<llvm::Value*> words = memoryWords(elements, stored);
  llvm::Type* bits = words[0]->getType();
  int64_t wordBytes = static_cast<int64_t>(bits->getPrimitiveSizeInBits() / 8);
  std::string text = fmt::format("@$0 st.global{}.b{} [$1], {};", vectorSuffix(words.size()), wordBytes * 8,
                                 vectorList(2, words.size()));
  std::string constraints = "b,l";
  std::vector<llvm::Type*> argumentTypes = {b_.getInt1Ty(), address->getType()};
  std::vector<llvm::Value*> arguments = {on, address};
  for (llvm::Value* word : words) {
    constraints += fmt::format(",{}", registerClass(wordBytes));
    argumentTypes.push_back(bits);
    arguments.push_back(word);
  }
  constraints += ",~{memory}";
  auto* asmType = llvm::FunctionType::get(b_.getVoidTy(), argumentTypes, false);
  b_.CreateCall(asmType, llvm::InlineAsm::get(asmType, text, constraints, /*hasSideEffects=*/true), arguments);
}

llvm::Value* KernelCodegen::atomic(const tir::Op& op, llvm::Value* address, llvm::Value* compare, llvm::Value* element) {
  DType dtype = op.operand(0)->type().dtype;
  llvm::Type* resultType = elementType(dtype);
  const std::string& atomicOp = op.stringAttr("op");
  if (atomicOp == "cas") {
    if (isFloating(dtype)) unsupported(op, "atomic_cas on floats");
    return b_.CreateExtractValue(b_.CreateAtomicCmpXchg(address, compare, element, llvm::MaybeAlign(),
                                                        llvm::AtomicOrdering::Monotonic, llvm::AtomicOrdering::Monotonic),
                                 0);
  }
  if (isFloating(dtype) && (atomicOp == "max" || atomicOp == "min") && (dtype == DType::Float32 || dtype == DType::Float64)) {
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
    llvm::Value* exchanged =
        b_.CreateAtomicCmpXchg(address, b_.CreateBitCast(current, bits), b_.CreateBitCast(wanted, bits),
                               llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic, llvm::AtomicOrdering::Monotonic);
    llvm::Value* seen = b_.CreateBitCast(b_.CreateExtractValue(exchanged, 0), resultType);
    current->addIncoming(seen, b_.GetInsertBlock());
    b_.CreateCondBr(b_.CreateExtractValue(exchanged, 1), after, retry);
    b_.SetInsertPoint(after);
    return current;
  }
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
  return b_.CreateAtomicRMW(binop, address, element, llvm::MaybeAlign(), llvm::AtomicOrdering::Monotonic);
}

bool KernelCodegen::sharedMemoryIdleAt(const tir::Op& op) const {
  const auto& ops = kernel_.body.ops();
  auto at = [&](const tir::Op* of) {
    return std::find_if(ops.begin(), ops.end(), [&](const auto& owned) { return owned.get() == of; });
  };
  // An op in an `if` at the top level (split_tail's epilogue) counts as the `if`.
  const tir::Op* top = &op;
  while (const tir::Op* parent = top->parentBlock()->parentOp()) {
    if (parent->kind() != tir::OpKind::If) return false;
    top = parent;
  }
  if (at(top) == ops.end()) return false;
  return std::all_of(pendingGroups_.begin(), pendingGroups_.end(),
                     [&](const auto& ringLoop) { return at(ringLoop.first) < at(top); });
}

std::optional<Slots> KernelCodegen::storedThroughShared(const tir::Op& store, const Layout& own, const Layout& coalesced) {
  const tir::Value* value = store.operand(2);
  const tir::Type& type = value->type();
  const tir::Value* mask = store.operands().size() > 3 ? store.operand(3) : nullptr;
  std::optional<std::vector<int64_t>> shape = matrixShape(type.shape);
  if (!shape || type.dtype == DType::Bool || !layouts_.layoutOf(value) || !sharedMemoryIdleAt(store)) return std::nullopt;
  // Only where the value's own stores are under 8 bytes a thread (an f16
  // accumulator's: 4). Measured on an H100, an f16 matmul gained 5 % at 4096^3
  // and 27 % at 4000^3 through shared memory; a tf32 one (an f32 accumulator's
  // 8-byte stores) at [128,128,32] lost 17 %.
  int64_t elementBytes = bytesOf(type.dtype);
  int64_t ownWidth = vectorWidth(store, own, mask);
  int64_t width = vectorWidth(store, coalesced, mask);
  if (width <= ownWidth || ownWidth * elementBytes >= 8) return std::nullopt;
  // Staged swizzled (rows of 16-byte chunks, XOR-ed by row: a warp's rows of
  // an accumulator fall in distinct banks), read back a whole chunk a thread.
  int64_t bytes = type.numElements() * elementBytes;
  // Within the rings, or the 48 KB any GPU gives a block: never the reason a
  // kernel no longer fits.
  if (bytes > std::max<int64_t>(scratchBase_, 48 * 1024)) return std::nullopt;
  idleSharedBytes_ = std::max(idleSharedBytes_, bytes);
  barrier();
  stageSwizzled(tiles_.at(value), own, type, shared_, false);
  barrier();
  return elementsFromShared(type, coalesced, shared_, false);
}

void KernelCodegen::memoryOp(const tir::Op& op) {
  const tir::Value* pointer = op.operand(0);
  llvm::Value* base = scalar(pointer);
  DType dtype = pointer->type().dtype;
  llvm::Type* stored = memoryType(dtype);
  llvm::Type* resultType = elementType(dtype);
  Operands operands = operandsOf(op);
  bool readOnly = !written_.count(pointer);
  auto zeroOr = [&](const tir::Value* value, const Slots& slots, int64_t slot) {
    return value ? slots[slot] : llvm::Constant::getNullValue(resultType);
  };

  if (!op.operand(1)->type().isTile()) {
    llvm::Value* address = b_.CreateGEP(stored, base, scalar(op.operand(1)));
    llvm::Value* on = operands.mask ? scalar(operands.mask) : nullptr;
    if (op.kind() == tir::OpKind::Load) {
      llvm::Value* other = operands.other ? scalar(operands.other) : llvm::Constant::getNullValue(resultType);
      scalars_[op.result()] = loadVector(address, dtype, 1, on, {other}, readOnly)[0];
    } else if (op.kind() == tir::OpKind::Store) {
      storeVector(address, dtype, {scalar(operands.value)}, on);
    } else {
      // Every thread computes a scalar, but a scalar atomic happens once per
      // program: thread 0 does it and shares the old value.
      llvm::Value* first = b_.CreateICmpEQ(threadId_, b_.getInt32(0));
      llvm::Value* compare = operands.compare ? scalar(operands.compare) : nullptr;
      barrier();
      guarded(on ? b_.CreateAnd(on, first) : first, nullptr, nullptr, [&]() -> llvm::Value* {
        writeShared(0, b_.getInt32(0), dtype, atomic(op, address, compare, scalar(operands.value)));
        return nullptr;
      });
      sharedBytes_ = std::max<int64_t>(sharedBytes_, 16);
      barrier();
      scalars_[op.result()] = readShared(0, b_.getInt32(0), dtype);
    }
    return;
  }

  const tir::Type& shape = op.operand(1)->type();
  // A store goes in its value's layout when it has one (a reduction's result
  // stays where it is), else the coalescing one; or it is moved into that
  // through shared memory (storedThroughShared).
  Layout layout = op.kind() == tir::OpKind::Store ? layouts_.layoutOrPreferred(operands.value)
                                                  : *layouts_.layoutOf(op.result());
  std::optional<Slots> restaged;
  if (op.kind() == tir::OpKind::Store) {
    Layout coalesced = copyLayout(operands.value->type());
    if ((restaged = storedThroughShared(op, layout, coalesced))) layout = coalesced;
  }
  Slots offsets = get(op.operand(1), layout);
  Slots mask = operands.mask ? get(operands.mask, layout) : Slots{};
  Slots values = restaged ? *restaged : operands.value ? get(operands.value, layout) : Slots{};
  Slots compares = operands.compare ? get(operands.compare, layout) : Slots{};
  Slots others = operands.other ? get(operands.other, layout) : Slots{};
  llvm::Value* owner = op.kind() == tir::OpKind::Load ? nullptr : ownsElements(layout);
  int64_t width = vectorWidth(op, layout, operands.mask);
  Slots out;
  for (int64_t group = 0; group < layout.slots(); group += width) {
    llvm::Value* address = b_.CreateGEP(stored, base, offsets[group]);
    llvm::Value* on = operands.mask ? mask[group] : nullptr;
    if (owner) on = on ? b_.CreateAnd(on, owner) : owner;
    if (op.kind() == tir::OpKind::Load) {
      std::vector<llvm::Value*> defaults;
      for (int64_t i = 0; i < width; ++i) defaults.push_back(zeroOr(operands.other, others, group + i));
      for (llvm::Value* element : loadVector(address, dtype, width, on, defaults, readOnly)) out.push_back(element);
    } else if (op.kind() == tir::OpKind::Store) {
      storeVector(address, dtype, std::vector<llvm::Value*>(values.begin() + group, values.begin() + group + width), on);
    } else {
      llvm::Value* compare = operands.compare ? compares[group] : nullptr;
      out.push_back(guarded(on, resultType, llvm::Constant::getNullValue(resultType),
                            [&] { return atomic(op, address, compare, values[group]); }));
    }
  }
  if (op.kind() == tir::OpKind::Atomic && owner) {
    // Threads that hold copies skipped the atomic: the owners share the old values.
    barrier();
    Slots indices = elementIndices(layout);
    for (int64_t slot = 0; slot < layout.slots(); ++slot)
      guarded(owner, nullptr, nullptr, [&]() -> llvm::Value* {
        writeShared(0, indices[slot], dtype, out[slot]);
        return nullptr;
      });
    sharedBytes_ = std::max(sharedBytes_, shape.numElements() * static_cast<int64_t>(stored->getPrimitiveSizeInBits() / 8));
    barrier();
    for (int64_t slot = 0; slot < layout.slots(); ++slot) out[slot] = readShared(0, indices[slot], dtype);
  }
  if (op.numResults()) tiles_[op.result()] = out;
}

}  // namespace hel::nvptx
