#include "backend/cpu/Executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <unordered_map>

#include "backend/cpu/TileOps.h"
#include "lower/OpDispatch.h"

namespace hel::cpu {

using tir::OpKind;

// ---- the compiled form ------------------------------------------------------
//
// Every value of the kernel gets a slot: a buffer holding its elements in their
// representation (TileOps.h), allocated once per run. Ops become instructions
// with their attributes decoded and their shapes precomputed, so that running
// a program is a walk over instructions, each a switch and a typed loop.

namespace {

// How a yielded value reaches the block argument (or result) it becomes.
enum class Transfer {
  Keep,     // it is that argument already
  Swap,     // defined in the region and yielded once: trade buffers
  Copy,     // an outer value, or yielded twice
  ViaTemp,  // another iter argument of the same loop: copy through a temporary
};

enum class AtomicOp { Add, Max, Min, And, Or, Xor, Xchg, Cas };

AtomicOp atomicOp(const std::string& name) {
  const char* const names[] = {"add", "max", "min", "and", "or", "xor", "xchg", "cas"};
  for (size_t i = 0; i < std::size(names); ++i)
    if (name == names[i]) return static_cast<AtomicOp>(i);
  throw std::logic_error("CPU backend: unknown atomic op " + name);
}

DotPrecision dotPrecision(const std::string& name) {
  if (name == "tf32") return DotPrecision::TF32;
  if (name == "tf32x3") return DotPrecision::TF32x3;
  return DotPrecision::IEEE;
}

}  // namespace

struct CompiledKernel::Program {
  struct Instr;

  struct Body {
    std::vector<Instr> instrs;
    std::vector<int> args;    // block argument slots
    std::vector<int> yields;  // slots of the terminating yield's operands
    std::vector<Transfer> transfers;
    std::vector<int> temps;  // per yield: a temporary slot for ViaTemp, else -1
  };

  struct Instr {
    OpKind kind;
    const tir::Op* op;
    std::vector<int> in, out;    // slots; a pointer operand is -1 (see `param`)
    DType dtype = DType::Int32;  // of operand 0, or of the result for ops without operands
    DType resultDType = DType::Int32;
    int64_t count = 1;  // elements of the result, or of the stored value
    int code = 0;       // the UnaryOp, BinaryOp, ReduceOp, ScanOp, AtomicOp or DotPrecision
    int64_t axis = 0;
    std::vector<int64_t> inShape, outShape, order;
    int64_t outer = 1, length = 1, inner = 1;  // reduce, scan: [outer, length, inner]
    int64_t batch = 1, m = 1, n = 1, k = 1;    // dot
    tir::Attribute value;                      // const; arange: its start
    int param = -1;                            // load, store, atomic: the pointer's parameter
    bool hasMask = false, hasOther = false;
    bool scalarCondition = false;  // select
    std::vector<Body> regions;
  };

  explicit Program(const tir::Kernel& kernel) : kernel(kernel) {
    for (size_t i = 0; i < kernel.numParams(); ++i) {
      const tir::Value* param = kernel.param(i);
      if (param->type().isPointer()) pointerParams[param] = static_cast<int>(i);
      else paramSlots.push_back({static_cast<int>(i), define(param)});
    }
    body = compileBlock(kernel.body);
  }

  int define(const tir::Value* value) {
    int slot = static_cast<int>(slotDTypes.size());
    slots[value] = slot;
    slotDTypes.push_back(value->type().dtype);
    slotCounts.push_back(value->type().isTile() ? value->type().numElements() : 1);
    return slot;
  }
  int slotOf(const tir::Value* value) const {
    auto it = slots.find(value);
    if (it == slots.end()) throw std::logic_error("CPU backend: a value is used before its definition");
    return it->second;
  }
  int addTemp(DType dtype, int64_t count) {
    slotDTypes.push_back(dtype);
    slotCounts.push_back(count);
    return static_cast<int>(slotDTypes.size()) - 1;
  }

  Body compileBlock(const tir::Block& block) {
    Body compiled;
    for (const auto& argument : block.arguments())
      if (&block != &kernel.body) compiled.args.push_back(define(argument.get()));
    for (const auto& op : block.ops()) {
      if (op->kind() == OpKind::Yield) {
        for (const tir::Value* value : op->operands()) compiled.yields.push_back(slotOf(value));
        planTransfers(block, *op, compiled);
      } else if (op->kind() != OpKind::Return) {
        compiled.instrs.push_back(compileOp(*op));
      }
    }
    return compiled;
  }

  // How each yielded value moves to its destination (see Transfer).
  void planTransfers(const tir::Block& block, const tir::Op& yield, Body& compiled) {
    bool loop = block.parentOp()->kind() == OpKind::For;
    for (size_t i = 0; i < yield.operands().size(); ++i) {
      const tir::Value* value = yield.operand(i);
      size_t uses = 0;
      for (const tir::Value* other : yield.operands()) uses += other == value;
      Transfer transfer = Transfer::Copy;
      if (loop && value == block.argument(i + 1)) transfer = Transfer::Keep;
      else if (loop && value->ownerBlock() == &block) transfer = Transfer::ViaTemp;
      else if (value->definingOp() && value->definingOp()->parentBlock() == &block && uses == 1)
        transfer = Transfer::Swap;
      compiled.transfers.push_back(transfer);
      compiled.temps.push_back(transfer == Transfer::ViaTemp
                                   ? addTemp(value->type().dtype, slotCounts[static_cast<size_t>(slotOf(value))])
                                   : -1);
    }
  }

  Instr compileOp(const tir::Op& op) {
    Instr instr;
    instr.kind = op.kind();
    instr.op = &op;
    for (const tir::Value* operand : op.operands()) {
      auto pointer = pointerParams.find(operand);
      if (pointer != pointerParams.end()) {
        instr.param = pointer->second;
        instr.in.push_back(-1);
      } else {
        instr.in.push_back(slotOf(operand));
      }
    }
    if (!op.operands().empty()) {
      instr.dtype = op.operand(0)->type().dtype;
      instr.inShape = op.operand(0)->type().shape;
    }
    if (op.numResults() > 0) {
      const tir::Type& type = op.result()->type();
      instr.resultDType = type.dtype;
      instr.outShape = type.shape;
      instr.count = type.isTile() ? type.numElements() : 1;
      if (op.operands().empty()) instr.dtype = type.dtype;
    }
    for (auto& region : op.regions()) instr.regions.push_back(compileBlock(region->body()));
    for (size_t i = 0; i < op.numResults(); ++i) instr.out.push_back(define(op.result(i)));
    decode(op, instr);
    return instr;
  }

  // The op-specific parts: attributes and derived shapes.
  void decode(const tir::Op& op, Instr& instr) {
    switch (op.kind()) {
      case OpKind::Constant: instr.value = *op.findAttribute("value"); break;
      case OpKind::ProgramId:
      case OpKind::NumPrograms: instr.axis = op.intAttr("axis"); break;
      case OpKind::Arange: instr.value = op.intAttr("start"); break;
      case OpKind::Permute: instr.order = op.intsAttr("order"); break;
      case OpKind::Unary: instr.code = static_cast<int>(*opNamed<UnaryOp>(op.stringAttr("op"))); break;
      case OpKind::Binary: instr.code = static_cast<int>(*opNamed<BinaryOp>(op.stringAttr("op"))); break;
      case OpKind::Select:
        instr.dtype = op.operand(1)->type().dtype;
        instr.scalarCondition = op.operand(0)->type().isScalar();
        break;
      case OpKind::Load:
        instr.hasMask = op.operands().size() > 2;
        instr.hasOther = op.operands().size() > 3;
        instr.dtype = op.operand(1)->type().dtype;  // the offsets'
        break;
      case OpKind::Store:
      case OpKind::Atomic: {
        size_t value = op.kind() == OpKind::Atomic && op.stringAttr("op") == "cas" ? 3 : 2;
        if (op.kind() == OpKind::Atomic) instr.code = static_cast<int>(atomicOp(op.stringAttr("op")));
        instr.hasMask = op.operands().size() > value + 1;
        instr.dtype = op.operand(1)->type().dtype;  // the offsets'
        instr.count = op.operand(value)->type().isTile() ? op.operand(value)->type().numElements() : 1;
        break;
      }
      case OpKind::Reduce:
      case OpKind::Scan: {
        instr.code = op.kind() == OpKind::Reduce ? static_cast<int>(*opNamed<ReduceOp>(op.stringAttr("op")))
                                                 : static_cast<int>(*opNamed<ScanOp>(op.stringAttr("op")));
        size_t axis = static_cast<size_t>(op.intAttr("axis"));
        instr.length = instr.inShape[axis];
        for (size_t d = 0; d < axis; ++d) instr.outer *= instr.inShape[d];
        for (size_t d = axis + 1; d < instr.inShape.size(); ++d) instr.inner *= instr.inShape[d];
        break;
      }
      case OpKind::Dot: {
        const std::vector<int64_t>& b = op.operand(1)->type().shape;
        size_t rank = instr.inShape.size();
        instr.batch = rank == 3 ? instr.inShape[0] : 1;
        instr.m = instr.inShape[rank - 2];
        instr.k = instr.inShape[rank - 1];
        instr.n = b[rank - 1];
        instr.resultDType = op.operand(2)->type().dtype;
        instr.code = static_cast<int>(dotPrecision(op.stringAttr("precision")));
        break;
      }
      default: break;
    }
  }

  const tir::Kernel& kernel;
  std::unordered_map<const tir::Value*, int> slots;
  std::unordered_map<const tir::Value*, int> pointerParams;
  std::vector<std::pair<int, int>> paramSlots;  // (parameter, slot) of scalar parameters
  std::vector<DType> slotDTypes;
  std::vector<int64_t> slotCounts;
  Body body;
};

// ---- running ---------------------------------------------------------------

namespace {

using Program = CompiledKernel::Program;
using Instr = Program::Instr;
using Body = Program::Body;

template <class Tag>
using StorageOf = typename Tag::type;

// The state of one run: the slots, the arguments and the current program.
class Machine {
 public:
  Machine(const Program& program, const std::vector<Argument>& args, DiagnosticEngine& diags, std::ostream& printTo)
      : program_(program), args_(args), diags_(diags), printTo_(printTo) {
    for (size_t i = 0; i < program.slotDTypes.size(); ++i) {
      size_t bytes = reprSize(program.slotDTypes[i]) * static_cast<size_t>(program.slotCounts[i]);
      buffers_.push_back(std::make_unique<unsigned char[]>(std::max<size_t>(bytes, 8)));
    }
    for (auto [param, slot] : program.paramSlots) setScalar(slot, args[static_cast<size_t>(param)]);
  }

  bool runGrid() {
    const std::vector<tir::GridAxis>& grid = program_.kernel.launch.grid;
    for (size_t axis = 0; axis < grid.size(); ++axis) {
      int64_t extent =
          grid[axis].extentParam >= 0 ? args_[static_cast<size_t>(grid[axis].extentParam)].intValue : grid[axis].extent;
      programs_[axis] = std::max<int64_t>(0, grid[axis].programsFor(extent));
    }
    // Axis 0 varies fastest; pid_type changes only the GPU's order, never results.
    for (pid_[2] = 0; pid_[2] < programs_[2]; ++pid_[2])
      for (pid_[1] = 0; pid_[1] < programs_[1]; ++pid_[1])
        for (pid_[0] = 0; pid_[0] < programs_[0]; ++pid_[0])
          if (!runBody(program_.body)) return false;
    return true;
  }

 private:
  template <class R>
  R* at(int slot) const {
    return reinterpret_cast<R*>(buffers_[static_cast<size_t>(slot)].get());
  }
  void* raw(int slot) const { return buffers_[static_cast<size_t>(slot)].get(); }
  size_t bytes(int slot) const {
    return reprSize(program_.slotDTypes[static_cast<size_t>(slot)]) *
           static_cast<size_t>(program_.slotCounts[static_cast<size_t>(slot)]);
  }
  void copy(int from, int to) { std::memcpy(raw(to), raw(from), bytes(from)); }

  void setScalar(int slot, const Argument& arg) {
    tir::Attribute value = arg.dtype >= DType::Float16 ? tir::Attribute(arg.floatValue) : tir::Attribute(arg.intValue);
    fillConstant(program_.slotDTypes[static_cast<size_t>(slot)], value, raw(slot), 1);
  }
  int64_t integer(int slot) const {
    return visitDType(program_.slotDTypes[static_cast<size_t>(slot)],
                      [&](auto tag) { return scalar::convert<int64_t>(*at<Repr<StorageOf<decltype(tag)>>>(slot)); });
  }
  void setInteger(int slot, int64_t value) {
    fillConstant(program_.slotDTypes[static_cast<size_t>(slot)], value, raw(slot), 1);
  }

  std::string paramName(int param) const {
    const std::string& hint = program_.kernel.param(static_cast<size_t>(param))->nameHint();
    return hint.empty() ? fmt::format("argument {}", param) : hint;
  }
  bool outOfBounds(const Instr& instr, diag::Id id, int64_t offset) {
    diags_.report(id, instr.op->location, paramName(instr.param), offset,
                  args_[static_cast<size_t>(instr.param)].count);
    return false;
  }

  bool runBody(const Body& body) {
    for (const Instr& instr : body.instrs)
      if (!run(instr)) return false;
    return true;
  }

  // Moves a region's yielded values into `destinations` (see Transfer).
  void transfer(const Body& body, const std::vector<int>& destinations) {
    for (size_t i = 0; i < body.yields.size(); ++i)
      if (body.transfers[i] == Transfer::ViaTemp) copy(body.yields[i], body.temps[i]);
    for (size_t i = 0; i < body.yields.size(); ++i) {
      int from = body.yields[i], to = destinations[i];
      switch (body.transfers[i]) {
        case Transfer::Keep: break;
        case Transfer::Swap: std::swap(buffers_[static_cast<size_t>(from)], buffers_[static_cast<size_t>(to)]); break;
        case Transfer::Copy: copy(from, to); break;
        case Transfer::ViaTemp: copy(body.temps[i], to); break;
      }
    }
  }

  bool run(const Instr& instr);
  bool runFor(const Instr& instr);
  bool load(const Instr& instr);
  bool store(const Instr& instr);
  bool atomic(const Instr& instr);
  void combineSplits(const Instr& instr);
  void print(const Instr& instr);

  const Program& program_;
  const std::vector<Argument>& args_;
  DiagnosticEngine& diags_;
  std::ostream& printTo_;
  std::vector<std::unique_ptr<unsigned char[]>> buffers_;
  // combine_splits: per op, the values each split stored and how many of each
  // group came (a run's programs go one at a time, so a run's own memory).
  struct Splits {
    std::vector<std::vector<std::vector<unsigned char>>> stored;  // [group * splits + index][value]
    std::vector<int64_t> arrived;                                 // [group]
  };
  std::unordered_map<const Instr*, Splits> splits_;
  int64_t pid_[3] = {0, 0, 0};
  int64_t programs_[3] = {1, 1, 1};
};

bool Machine::run(const Instr& instr) {
  const std::vector<int>& in = instr.in;
  switch (instr.kind) {
    case OpKind::Constant: fillConstant(instr.resultDType, instr.value, raw(instr.out[0]), instr.count); return true;
    case OpKind::ProgramId: *at<int32_t>(instr.out[0]) = static_cast<int32_t>(pid_[instr.axis]); return true;
    case OpKind::NumPrograms: *at<int32_t>(instr.out[0]) = static_cast<int32_t>(programs_[instr.axis]); return true;
    case OpKind::Arange: {
      int32_t* out = at<int32_t>(instr.out[0]);
      int32_t start = static_cast<int32_t>(std::get<int64_t>(instr.value));
      for (int64_t i = 0; i < instr.count; ++i) out[i] = start + static_cast<int32_t>(i);
      return true;
    }
    case OpKind::Splat:
      visitDType(instr.dtype, [&](auto tag) {
        using R = Repr<StorageOf<decltype(tag)>>;
        std::fill_n(at<R>(instr.out[0]), instr.count, *at<R>(in[0]));
      });
      return true;
    case OpKind::Broadcast:
      broadcastTile(reprSize(instr.dtype), instr.inShape, instr.outShape, raw(in[0]), raw(instr.out[0]));
      return true;
    case OpKind::ExpandDims:
    case OpKind::Reshape: copy(in[0], instr.out[0]); return true;
    case OpKind::Permute:
      permuteTile(reprSize(instr.dtype), instr.inShape, instr.order, raw(in[0]), raw(instr.out[0]));
      return true;
    case OpKind::Unary:
      unaryTile(static_cast<UnaryOp>(instr.code), instr.dtype, raw(in[0]), raw(instr.out[0]), instr.count);
      return true;
    case OpKind::Binary:
      try {
        binaryTile(static_cast<BinaryOp>(instr.code), instr.dtype, raw(in[0]), raw(in[1]), raw(instr.out[0]),
                   instr.count);
      } catch (const scalar::ZeroDivisionError&) {
        diags_.report(diag::IntegerDivisionByZero, instr.op->location);
        return false;
      }
      return true;
    case OpKind::Cast:
      castTile(instr.dtype, instr.resultDType, raw(in[0]), raw(instr.out[0]), instr.count);
      return true;
    case OpKind::Select:
      selectTile(reprSize(instr.dtype), at<bool>(in[0]), instr.scalarCondition, raw(in[1]), raw(in[2]),
                 raw(instr.out[0]), instr.count);
      return true;
    case OpKind::Load: return load(instr);
    case OpKind::Store: return store(instr);
    case OpKind::Atomic: return atomic(instr);
    case OpKind::Reduce:
      reduceTile(static_cast<ReduceOp>(instr.code), instr.dtype, instr.outer, instr.length, instr.inner, raw(in[0]),
                 raw(instr.out[0]));
      return true;
    case OpKind::Scan:
      scanTile(static_cast<ScanOp>(instr.code), instr.dtype, instr.outer, instr.length, instr.inner, raw(in[0]),
               raw(instr.out[0]));
      return true;
    case OpKind::Dot:
      dotTile(instr.dtype, instr.resultDType, static_cast<DotPrecision>(instr.code), instr.batch, instr.m, instr.n,
              instr.k, raw(in[0]), raw(in[1]), raw(in[2]), raw(instr.out[0]));
      return true;
    case OpKind::For: return runFor(instr);
    case OpKind::If: {
      const Body& branch = instr.regions[*at<bool>(in[0]) ? 0 : 1];
      if (!runBody(branch)) return false;
      transfer(branch, instr.out);
      return true;
    }
    case OpKind::CombineSplits: combineSplits(instr); return true;
    case OpKind::Print: print(instr); return true;
    case OpKind::Yield:
    case OpKind::Return: return true;  // not compiled into instructions
  }
  return true;
}

void Machine::combineSplits(const Instr& instr) {
  int64_t groups = instr.op->intAttr("groups"), splits = instr.op->intAttr("splits");
  Splits& state = splits_[&instr];
  if (state.arrived.empty()) {
    state.arrived.assign(static_cast<size_t>(groups), 0);
    state.stored.resize(static_cast<size_t>(groups * splits));
  }
  int64_t group = integer(instr.in[0]), index = integer(instr.in[1]);
  if (group < 0 || group >= groups || index < 0 || index >= splits)
    throw std::logic_error("CPU backend: combine_splits outside its groups and splits");
  size_t values = instr.in.size() - 2;
  std::vector<std::vector<unsigned char>>& mine = state.stored[static_cast<size_t>(group * splits + index)];
  mine.clear();
  for (size_t v = 0; v < values; ++v) {
    const unsigned char* data = static_cast<const unsigned char*>(raw(instr.in[2 + v]));
    mine.emplace_back(data, data + bytes(instr.in[2 + v]));
  }
  bool last = ++state.arrived[static_cast<size_t>(group)] == splits;
  *at<bool>(instr.out[0]) = last;
  for (size_t v = 0; v < values; ++v) {
    int out = instr.out[1 + v];
    if (!last) {
      copy(instr.in[2 + v], out);
      continue;
    }
    // The sums in index order: split 0's values, plus 1's, plus 2's, ...
    std::memcpy(raw(out), state.stored[static_cast<size_t>(group * splits)][v].data(), bytes(out));
    for (int64_t j = 1; j < splits; ++j)
      binaryTile(BinaryOp::Add, program_.slotDTypes[static_cast<size_t>(out)], raw(out),
                 state.stored[static_cast<size_t>(group * splits + j)][v].data(), raw(out),
                 program_.slotCounts[static_cast<size_t>(out)]);
  }
  if (last) state.arrived[static_cast<size_t>(group)] = 0;
}

bool Machine::runFor(const Instr& instr) {
  const Body& body = instr.regions[0];
  int64_t lo = integer(instr.in[0]), hi = integer(instr.in[1]), step = integer(instr.in[2]);
  if (step <= 0) {
    diags_.report(diag::NonPositiveLoopStep, instr.op->location, step);
    return false;
  }
  std::vector<int> iters(body.args.begin() + 1, body.args.end());
  for (size_t i = 0; i < iters.size(); ++i) copy(instr.in[3 + i], iters[i]);
  for (int64_t iv = lo; iv < hi; iv += step) {
    setInteger(body.args[0], iv);
    if (!runBody(body)) return false;
    transfer(body, iters);
  }
  // The iter arguments are set again from the inits before any later use.
  for (size_t i = 0; i < iters.size(); ++i)
    std::swap(buffers_[static_cast<size_t>(iters[i])], buffers_[static_cast<size_t>(instr.out[i])]);
  return true;
}

// Calls f(offsets) with the offsets tile typed as it is (i32 or i64).
template <class F>
decltype(auto) withOffsets(DType dtype, const void* data, F&& f) {
  if (dtype == DType::Int64) return f(static_cast<const int64_t*>(data));
  return f(static_cast<const int32_t*>(data));
}

// An element of `dtype` in host memory and its representation; bool is a byte
// that is 0 or not.
template <class T>
Repr<T> readElement(const void* base, int64_t offset) {
  if constexpr (std::is_same_v<T, bool>) return static_cast<const uint8_t*>(base)[offset] != 0;
  else return static_cast<Repr<T>>(static_cast<const T*>(base)[offset]);
}
template <class T>
void writeElement(void* base, int64_t offset, Repr<T> value) {
  if constexpr (std::is_same_v<T, bool>) static_cast<uint8_t*>(base)[offset] = value ? 1 : 0;
  else static_cast<T*>(base)[offset] = T(value);
}

bool Machine::load(const Instr& instr) {
  const Argument& arg = args_[static_cast<size_t>(instr.param)];
  const bool* mask = instr.hasMask ? at<bool>(instr.in[2]) : nullptr;
  int64_t bad = -1;
  bool ok = withOffsets(instr.dtype, raw(instr.in[1]), [&](const auto* offsets) {
    return visitDType(arg.dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      R* out = at<R>(instr.out[0]);
      const R* other = instr.hasOther ? at<R>(instr.in[3]) : nullptr;
      for (int64_t i = 0; i < instr.count; ++i) {
        if (mask && !mask[i]) {
          out[i] = other ? other[i] : R(0);
          continue;
        }
        int64_t offset = offsets[i];
        if (offset < 0 || offset >= arg.count) {
          bad = offset;
          return false;
        }
        out[i] = readElement<T>(arg.data, offset);
      }
      return true;
    });
  });
  return ok || outOfBounds(instr, diag::OutOfBoundsLoad, bad);
}

bool Machine::store(const Instr& instr) {
  const Argument& arg = args_[static_cast<size_t>(instr.param)];
  const bool* mask = instr.hasMask ? at<bool>(instr.in[3]) : nullptr;
  int64_t bad = -1;
  bool ok = withOffsets(instr.dtype, raw(instr.in[1]), [&](const auto* offsets) {
    return visitDType(arg.dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      const Repr<T>* value = at<Repr<T>>(instr.in[2]);
      for (int64_t i = 0; i < instr.count; ++i) {
        if (mask && !mask[i]) continue;
        int64_t offset = offsets[i];
        if (offset < 0 || offset >= arg.count) {
          bad = offset;
          return false;
        }
        writeElement<T>(arg.data, offset, value[i]);
      }
      return true;
    });
  });
  return ok || outOfBounds(instr, diag::OutOfBoundsStore, bad);
}

// Lanes update memory one after another in lane order, each seeing the ones
// before it (programs run one at a time, so atomics are plain updates here).
bool Machine::atomic(const Instr& instr) {
  const Argument& arg = args_[static_cast<size_t>(instr.param)];
  AtomicOp op = static_cast<AtomicOp>(instr.code);
  size_t valueIndex = op == AtomicOp::Cas ? 3 : 2;
  const bool* mask = instr.hasMask ? at<bool>(instr.in[valueIndex + 1]) : nullptr;
  int64_t bad = -1;
  bool ok = withOffsets(instr.dtype, raw(instr.in[1]), [&](const auto* offsets) {
    return visitDType(arg.dtype, [&](auto tag) {
      using T = StorageOf<decltype(tag)>;
      using R = Repr<T>;
      const R* value = at<R>(instr.in[valueIndex]);
      const R* compare = op == AtomicOp::Cas ? at<R>(instr.in[2]) : nullptr;
      R* old = at<R>(instr.out[0]);
      for (int64_t i = 0; i < instr.count; ++i) {
        if (mask && !mask[i]) {
          old[i] = R(0);
          continue;
        }
        int64_t offset = offsets[i];
        if (offset < 0 || offset >= arg.count) {
          bad = offset;
          return false;
        }
        R current = readElement<T>(arg.data, offset), next = value[i];
        switch (op) {
          case AtomicOp::Add: next = rounded<T>(scalar::add(current, next)); break;
          case AtomicOp::Max: next = scalar::maximum(current, next); break;
          case AtomicOp::Min: next = scalar::minimum(current, next); break;
          case AtomicOp::And:
          case AtomicOp::Or:
          case AtomicOp::Xor:
            if constexpr (std::is_integral_v<R>) {
              next = op == AtomicOp::And  ? scalar::bitwise_and(current, next)
                     : op == AtomicOp::Or ? scalar::bitwise_or(current, next)
                                          : scalar::bitwise_xor(current, next);
            } else {
              throw std::logic_error("CPU backend: bitwise atomics on floats (the verifier rejects them)");
            }
            break;
          case AtomicOp::Xchg: break;
          case AtomicOp::Cas: next = current == compare[i] ? next : current; break;
        }
        writeElement<T>(arg.data, offset, next);
        old[i] = current;
      }
      return true;
    });
  });
  return ok || outOfBounds(instr, diag::OutOfBoundsAtomic, bad);
}

// `format`, then each value: a number, or a tile as nested [...] lists.
void Machine::print(const Instr& instr) {
  std::string line = instr.op->stringAttr("format");
  for (size_t v = 0; v < instr.in.size(); ++v) {
    const tir::Type& type = instr.op->operand(v)->type();
    std::vector<std::string> elements;
    visitDType(type.dtype, [&](auto tag) {
      using R = Repr<StorageOf<decltype(tag)>>;
      const R* values = at<R>(instr.in[v]);
      for (int64_t i = 0; i < (type.isTile() ? type.numElements() : 1); ++i) {
        if constexpr (std::is_same_v<R, bool>) elements.push_back(values[i] ? "True" : "False");
        else elements.push_back(fmt::format("{}", values[i]));
      }
    });
    // Nest from the innermost dim out: each level joins groups of its size.
    for (size_t d = type.shape.size(); d-- > 0;) {
      std::vector<std::string> grouped;
      size_t size = static_cast<size_t>(type.shape[d]);
      for (size_t i = 0; i < elements.size(); i += size)
        grouped.push_back(
            fmt::format("[{}]", fmt::join(elements.begin() + static_cast<std::ptrdiff_t>(i),
                                          elements.begin() + static_cast<std::ptrdiff_t>(i + size), ", ")));
      elements = std::move(grouped);
    }
    line += (v ? " " : "") + elements[0];
  }
  printTo_ << line << '\n';
}

void checkArguments(const tir::Kernel& kernel, const std::vector<Argument>& args) {
  if (args.size() != kernel.numParams())
    throw std::invalid_argument(
        fmt::format("kernel @{} takes {} arguments, given {}", kernel.name, kernel.numParams(), args.size()));
  for (size_t i = 0; i < args.size(); ++i) {
    const tir::Type& type = kernel.param(i)->type();
    bool pointer = args[i].kind == Argument::Kind::Pointer;
    if (pointer != type.isPointer() || (pointer && args[i].dtype != type.dtype) || (pointer && args[i].count < 0))
      throw std::invalid_argument(fmt::format("kernel @{}: argument {} does not match parameter {} of type {}",
                                              kernel.name, i, i, tir::toString(type)));
  }
}

}  // namespace

CompiledKernel::CompiledKernel(const tir::Kernel& kernel) : program_(std::make_unique<Program>(kernel)) {}
CompiledKernel::~CompiledKernel() = default;

bool CompiledKernel::run(const std::vector<Argument>& args, DiagnosticEngine& diags, const ExecOptions& options) const {
  checkArguments(program_->kernel, args);
  Machine machine(*program_, args, diags, options.printTo ? *options.printTo : std::cout);
  return machine.runGrid();
}

bool execute(const tir::Kernel& kernel, const std::vector<Argument>& args, DiagnosticEngine& diags,
             const ExecOptions& options) {
  return CompiledKernel(kernel).run(args, diags, options);
}

}  // namespace hel::cpu
