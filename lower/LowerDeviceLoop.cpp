#include "lower/LowerDeviceLoop.h"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "lower/IRBuilder.h"
#include "lower/OpDispatch.h"
#include "sema/DeviceTypes.h"

namespace hel::lower {
namespace {

using sema::Dim;
using sema::DimList;
using sema::HostBinding;
using tir::IRBuilder;
using tir::Type;
using BR = sema::BuiltinRule;

template <typename... Args>
[[noreturn]] void compileError(diag::Id id, SourceRange range, const Args&... args) {
  throw CompileError{DiagnosticEngine::make(id, range, args...)};
}

// Which of a device loop's targets (`for tile_b, tile_m in ...`: by position)
// a nested loop's end depends on through an attribute (`hl.tile(0,
// tile_m.begin)`): later tiles of those dims run longer.
std::vector<bool> targetsBoundingNestedLoops(const ast::For& loop) {
  std::vector<std::string> names;
  if (auto* name = ast::dynCast<ast::Name>(loop.target.get())) names.push_back(name->id);
  else if (auto* tuple = ast::dynCast<ast::Tuple>(loop.target.get()))
    for (const auto& element : tuple->elts)
      names.push_back(ast::dynCast<ast::Name>(element.get()) ? ast::cast<ast::Name>(*element).id : "");
  std::vector<bool> bounding(names.size(), false);
  std::function<void(const ast::Node&)> markAttributes = [&](const ast::Node& node) {
    if (auto* attribute = ast::dynCast<ast::Attribute>(&node))
      if (auto* of = ast::dynCast<ast::Name>(attribute->value.get()))
        for (size_t i = 0; i < names.size(); ++i) bounding[i] = bounding[i] || names[i] == of->id;
    ast::forEachChild(node, markAttributes);
  };
  std::function<void(const ast::Node&)> visit = [&](const ast::Node& node) {
    if (auto* nested = ast::dynCast<ast::For>(&node))
      if (auto* call = ast::dynCast<ast::Call>(nested->iter.get()); call && !call->args.empty())
        markAttributes(*call->args.back());
    ast::forEachChild(node, visit);
  };
  for (const auto& statement : loop.body) visit(*statement);
  return bounding;
}

// One tile of a device loop: a range [begin, begin + blockSize) of one dim.
struct Tile {
  std::string name;
  int64_t blockSize = 1;
  int64_t padded = 1;
  tir::Value* begin = nullptr;  // i32 scalar
  tir::Value* end = nullptr;    // i32 scalar: the end of the iteration space
  tir::Value* index = nullptr;  // <padded x i32>: begin + arange
  tir::Value* valid = nullptr;  // <padded x i1>, or null when every lane is real
};

// A host tensor that device code reads or writes: a pointer parameter.
struct TensorParam {
  std::string name;
  sema::HostTensorInfo info;
  tir::Value* pointer = nullptr;
};

// What an expression is in device code.
struct DV {
  enum class Kind { Tensor, Tile, Host, HostTensor, Tuple };
  Kind kind = Kind::Host;
  // Tensor: a tile tensor (dims non-empty) or a device scalar (dims empty).
  tir::Value* value = nullptr;
  DimList dims;
  DType dtype = DType::Float32;
  bool weak = false;  // a Python number living on the device (a loop index)
  // Integer scalars of the form base + offset, for constant-length slices.
  tir::Value* affineBase = nullptr;
  int64_t affineOffset = 0;
  // An integer scalar known to be at most this (a tile's `.end`): what a
  // nested hl.tile with it for its end takes for the extent of its iteration space.
  std::optional<int64_t> upperBound;
  int tile = -1;       // Tile
  HostBinding host;    // Host
  int tensor = -1;     // HostTensor
  std::vector<DV> items;        // Tuple
  std::shared_ptr<DV> self;     // a bound method's receiver (host.kind == Builtin)

  bool isHostNumber() const {
    return kind == Kind::Host && (host.kind == HostBinding::Kind::Int || host.kind == HostBinding::Kind::Float ||
                                  host.kind == HostBinding::Kind::Bool);
  }
  bool isScalarTensor() const { return kind == Kind::Tensor && dims.empty(); }
};

DV hostInt(int64_t value) {
  DV dv;
  dv.host.kind = HostBinding::Kind::Int;
  dv.host.intValue = value;
  return dv;
}
DV hostFloat(double value) {
  DV dv;
  dv.host.kind = HostBinding::Kind::Float;
  dv.host.floatValue = value;
  return dv;
}
DV hostBool(bool value) {
  DV dv;
  dv.host.kind = HostBinding::Kind::Bool;
  dv.host.boolValue = value;
  return dv;
}
DV hostDType(DType dtype) {
  DV dv;
  dv.host.kind = HostBinding::Kind::DType;
  dv.host.dtype = dtype;
  return dv;
}
DV hostOf(HostBinding binding) {
  DV dv;
  dv.host = std::move(binding);
  return dv;
}

double hostNumber(const DV& dv) {
  switch (dv.host.kind) {
    case HostBinding::Kind::Bool: return dv.host.boolValue;
    case HostBinding::Kind::Int: return static_cast<double>(dv.host.intValue);
    default: return dv.host.floatValue;
  }
}

ScalarKind hostScalarKind(const DV& dv) {
  if (dv.host.kind == HostBinding::Kind::Bool) return ScalarKind::Bool;
  if (dv.host.kind == HostBinding::Kind::Int) return ScalarKind::Int;
  return ScalarKind::Float;
}

std::string describeHost(const HostBinding& binding) {
  switch (binding.kind) {
    case HostBinding::Kind::None: return "None";
    case HostBinding::Kind::Bool: return "bool";
    case HostBinding::Kind::Int: return "int";
    case HostBinding::Kind::Float: return "float";
    case HostBinding::Kind::Str: return "str";
    case HostBinding::Kind::DType: return "torch.dtype";
    case HostBinding::Kind::Tensor: return "Tensor";
    case HostBinding::Kind::Tuple: return "tuple";
    case HostBinding::Kind::Module: return "module";
    case HostBinding::Kind::Builtin: return "builtin function";
    case HostBinding::Kind::Function: return "function";
    case HostBinding::Kind::Other: return binding.text;
  }
  return "value";
}

// One item of a subscript of a host tensor, evaluated.
struct IndexItem {
  enum class Kind { Value, Slice, None, Ellipsis };
  Kind kind = Kind::Value;
  DV value;                    // Value
  std::optional<DV> start, stop;  // Slice bounds, when given
  SourceRange range;
};

// Names assigned anywhere in `body` (Python's loop-carried candidates).
void collectAssigned(const ast::Expr& target, std::set<std::string>& out) {
  if (auto* name = ast::dynCast<ast::Name>(&target)) out.insert(name->id);
  else if (auto* tuple = ast::dynCast<ast::Tuple>(&target))
    for (auto& elt : tuple->elts) collectAssigned(*elt, out);
  else if (auto* list = ast::dynCast<ast::List>(&target))
    for (auto& elt : list->elts) collectAssigned(*elt, out);
  else if (auto* starred = ast::dynCast<ast::Starred>(&target))
    collectAssigned(*starred->value, out);
}

void collectAssigned(const ast::StmtList& body, std::set<std::string>& out) {
  for (const ast::StmtPtr& stmt : body) {
    if (auto* assign = ast::dynCast<ast::Assign>(stmt)) {
      for (auto& target : assign->targets) collectAssigned(*target, out);
    } else if (auto* aug = ast::dynCast<ast::AugAssign>(stmt)) {
      collectAssigned(*aug->target, out);
    } else if (auto* ann = ast::dynCast<ast::AnnAssign>(stmt)) {
      collectAssigned(*ann->target, out);
    } else if (auto* loop = ast::dynCast<ast::For>(stmt)) {
      collectAssigned(*loop->target, out);
      collectAssigned(loop->body, out);
    } else if (auto* branch = ast::dynCast<ast::If>(stmt)) {
      collectAssigned(branch->body, out);
      collectAssigned(branch->orelse, out);
    } else if (auto* loop2 = ast::dynCast<ast::While>(stmt)) {
      collectAssigned(loop2->body, out);
    }
  }
}

// Device-code variables: a function's locals (loops do not open scopes, as in
// Python), falling back to the host values the code closes over.
struct Scope {
  std::map<std::string, DV> variables;
  std::shared_ptr<sema::HostEnvironment> host;
};

class Lowering {
 public:
  Lowering(sema::HostEnvironment& env, const DeviceLoopOptions& options) : env_(env), options_(options) {}

  LoweredLoop run(const ast::For& loop);

 private:
  // ---- statements ----
  void lowerBlock(const ast::StmtList& body);
  // One program's body: the device loop's, with split_tail's pieces combined
  // after the split loop (split_).
  void lowerProgramBody(const ast::For& loop);
  void lowerStmt(const ast::Stmt& stmt);
  void assignTo(const ast::Expr& target, const DV& value);
  void lowerNestedFor(const ast::For& loop);
  // A sequential IR loop whose body `inside` lowers; carries the variables the
  // loop's body assigns that already hold device values.
  void carriedLoop(const ast::For& loop, tir::Value* lo, tir::Value* hi, tir::Value* step,
                   const std::function<void(tir::Value* iv)>& inside);

  // ---- expressions ----
  DV eval(const ast::Expr& expr);
  DV lookup(const ast::Name& name);
  DV attribute(const DV& object, const std::string& name, SourceRange range);
  DV subscript(const DV& object, const ast::Expr& index, SourceRange range);
  DV call(const ast::Call& call);
  DV callBuiltin(const sema::Builtin& builtin, const DV* self, std::vector<DV>& positional,
                 std::vector<std::string>& keywordNames, std::vector<DV>& keywordValues, SourceRange range);
  DV inlineFunction(const HostBinding& function, std::vector<DV>& positional, std::vector<std::string>& keywordNames,
                    std::vector<DV>& keywordValues, SourceRange range);
  // Python's arithmetic operators, on host numbers (folded) or tile tensors.
  DV arithmetic(ast::BinOpKind op, const ast::Expr& leftExpr, const DV& left, const ast::Expr& rightExpr,
                const DV& right, SourceRange range);
  // A note on a shape error: the shape of `expr` when it is a named value, where it got it.
  void noteShape(Diagnostic& diagnostic, const ast::Expr& expr, const DV& value);
  DV binaryOp(BinaryOp op, const DV& a, const DV& b, SourceRange range);
  DV hostBinary(ast::BinOpKind op, const DV& a, const DV& b, SourceRange range);
  DV unaryOp(UnaryOp op, const DV& x, SourceRange range);

  // ---- tiles and tensors ----
  std::vector<int> makeTiles(const ast::For& loop, const ast::Call& iter, std::vector<int64_t>* extents, bool* isGrid);
  // Sets a tile's begin (shifted by its iteration space's start when
  // `offsetBegin`), its index and its validity mask.
  void defineTile(int tile, tir::Value* begin, bool offsetBegin);
  DV toTensor(const DV& value, SourceRange range);
  DV tileIndex(int tile);
  int tensorParam(const HostBinding& binding, const std::string& name);
  tir::Value* materialize(const DV& value, const DimList& dims, DType dtype);
  tir::Value* dimValid(const Dim& dim);
  tir::Value* placeAxis(tir::Value* vector, size_t axis, const std::vector<int64_t>& shape);
  tir::Value* validMask(const DimList& dims);
  tir::Value* andMasks(tir::Value* a, tir::Value* b);
  IndexItem evalIndexItem(const ast::Expr& item);
  std::vector<IndexItem> evalIndexItems(const ast::Expr& index);
  // The element offsets and mask of `tensor[items]`; returns the accessed
  // shape as a Tensor DV without a value.
  DV memoryAccess(const DV& tensor, std::vector<IndexItem> items, SourceRange range, tir::Value** offsets,
                  tir::Value** mask);
  DV load(const DV& tensor, const std::vector<IndexItem>& items, SourceRange range, tir::Value* extraMask);
  void store(const DV& tensor, const std::vector<IndexItem>& items, const DV& value, SourceRange range,
             tir::Value* extraMask);
  DV reduce(ReduceOp op, const DV& x, std::vector<int64_t> axes, bool keepdim, SourceRange range);
  // A tile of `op`'s identity in `dtype` (argmax/argmin: max/min's), the value
  // that lanes which are not real take before a reduction.
  tir::Value* reduceIdentity(ReduceOp op, DType dtype, const std::vector<int64_t>& shape);
  DV matmul(const DV& a, const DV& b, const DV* acc, std::optional<DType> outDType, SourceRange range);
  DV fill(const DimList& dims, double value, DType dtype);
  DimList shapeFromList(const DV& list, SourceRange range);
  DV registerSlice(const DV& x, size_t axis, const DV& start, int64_t length, SourceRange range);
  std::vector<int64_t> axesOf(const DV& value, int64_t rank, SourceRange range);

  std::string shapeString(const DimList& dims) const;
  std::vector<std::string> tileNames() const;
  DType offsetDType(const TensorParam& param) const;

  sema::HostEnvironment& env_;
  const DeviceLoopOptions& options_;
  std::unique_ptr<tir::Module> module_;
  tir::Kernel* kernel_ = nullptr;
  IRBuilder* b_ = nullptr;
  std::vector<Tile> tiles_;
  std::vector<TensorParam> tensors_;
  std::deque<Scope> scopes_;  // a deque: references to outer scopes stay valid
  // Where each name was last given a value, for notes.
  std::map<std::string, SourceRange> definedAt_;
  // Where each tile's iteration space starts (hl.tile(begin, end)).
  std::map<int, int64_t> tileBegins_;
  std::map<int, tir::Value*> dynamicBegins_;  // nested loops that begin at a device value
  // Names assigned only inside a finished loop (for a clearer error).
  std::set<std::string> loopOnly_;
  // pid_type "split_tail": the tiles past the last whole wave (a multiple of
  // the SM count) each go to `splits` programs, which take a piece of the
  // device loop's first hl.tile loop each; combine_splits adds their sums,
  // and the last one to finish runs the rest of the body.
  struct SplitTail {
    size_t at = 0;  // the split loop's statement in the device loop's body
    const ast::For* loop = nullptr;
    int64_t groups = 0, splits = 1;
    tir::Value* inTail = nullptr;  // i1: this program has a piece, not a whole tile
    tir::Value* group = nullptr;   // its tile among the split ones
    tir::Value* index = nullptr;   // its piece: 0 for a whole tile
    tir::Value* pieces = nullptr;  // its tile's pieces: 1 for a whole tile
    std::vector<std::string> carried;  // the split loop's carried names
  };
  std::optional<SplitTail> split_;
};

// split_tail's pieces of the tail tiles: about this many for each SM (H100,
// f32 4096^3 on [64, 128, 32] tiles: 2.72 ms flat, 2.62 with two, 2.61 with
// four), and at most kMaxSplits a tile.
constexpr int64_t kPiecesPerMultiprocessor = 4;
constexpr int64_t kMaxSplits = 16;

// ---- entry ---------------------------------------------------------------------------

LoweredLoop Lowering::run(const ast::For& loop) {
  module_ = std::make_unique<tir::Module>();
  module_->kernels.push_back(std::make_unique<tir::Kernel>());
  kernel_ = module_->kernels.back().get();
  kernel_->name = options_.kernelName;
  kernel_->location = loop.range;
  kernel_->launch.numWarps = options_.numWarps;
  kernel_->launch.numStages = options_.numStages;
  kernel_->launch.pidType = options_.pidType;
  kernel_->launch.indexing = options_.indexing;

  IRBuilder builder(kernel_->body);
  b_ = &builder;
  b_->setLocation(loop.iter->range);
  scopes_.push_back(Scope{{}, std::shared_ptr<sema::HostEnvironment>(&env_, [](auto*) {})});

  const auto& iter = ast::cast<ast::Call>(*loop.iter);
  std::vector<int64_t> extents;
  bool isGrid = false;
  std::vector<int> tiles = makeTiles(loop, iter, &extents, &isGrid);

  // Program ids: one flat grid axis (or one per dim with pid_type "xyz"),
  // decomposed into each tile's index with loopOrder's first dim fastest.
  std::vector<int64_t> counts;
  for (size_t d = 0; d < tiles.size(); ++d)
    counts.push_back((extents[d] + tiles_[tiles[d]].blockSize - 1) / tiles_[tiles[d]].blockSize);
  std::vector<int64_t> order = options_.loopOrder;
  if (order.size() != tiles.size()) {
    order.clear();
    for (size_t d = 0; d < tiles.size(); ++d) order.push_back(static_cast<int64_t>(d));
  }
  // A flat program id decomposed into each tile's index: loopOrder's first dim
  // fastest, or L2 groups of it walked along the next.
  auto decompose = [&](tir::Value* flatId) {
    std::vector<tir::Value*> pids(tiles.size());
    tir::Value* rest = flatId;
    size_t first = 0;
    if (options_.l2Grouping > 1 && order.size() >= 2) {
      size_t fast = static_cast<size_t>(order[0]), next = static_cast<size_t>(order[1]);
      tir::Value* fastCount = b_->index(counts[fast]);
      tir::Value* inner = rest;
      if (order.size() > 2) {
        tir::Value* plane = b_->index(counts[fast] * counts[next]);
        inner = b_->binary(BinaryOp::Mod, rest, plane);
        rest = b_->binary(BinaryOp::FloorDiv, rest, plane);
      }
      tir::Value* perGroup = b_->index(options_.l2Grouping * counts[next]);
      tir::Value* firstFast = b_->binary(BinaryOp::Mul, b_->binary(BinaryOp::FloorDiv, inner, perGroup),
                                         b_->index(options_.l2Grouping));
      tir::Value* groupSize = b_->binary(BinaryOp::Minimum, b_->binary(BinaryOp::Sub, fastCount, firstFast),
                                         b_->index(options_.l2Grouping));
      pids[fast] = b_->binary(BinaryOp::Add, firstFast, b_->binary(BinaryOp::Mod, inner, groupSize));
      pids[next] = b_->binary(BinaryOp::FloorDiv, b_->binary(BinaryOp::Mod, inner, perGroup), groupSize);
      first = 2;
    }
    for (size_t i = first; i < order.size(); ++i) {
      size_t d = static_cast<size_t>(order[i]);
      tir::Value* count = b_->index(counts[d]);
      pids[d] = i + 1 == order.size() ? rest : b_->binary(BinaryOp::Mod, rest, count);
      if (i + 1 < order.size()) rest = b_->binary(BinaryOp::FloorDiv, rest, count);
      }
    return pids;
  };
  // Where a nested loop runs longer for later tiles of a dim (causal
  // attention's keys up to the query tile), the programs take that dim's
  // tiles last first: the shortest ones then end the grid, not the longest
  // (less of the GPU idle at the end; FlashAttention orders its causal grid so).
  std::vector<bool> reversed = targetsBoundingNestedLoops(loop);
  reversed.resize(tiles.size(), false);
  // One program's work: its tiles, the loop variables, the body.
  auto emitProgram = [&](const std::vector<tir::Value*>& pids) {
    for (size_t d = 0; d < tiles.size(); ++d) {
      Tile& tile = tiles_[tiles[d]];
      tir::Value* pid = reversed[d] ? b_->binary(BinaryOp::Sub, b_->index(counts[d] - 1), pids[d]) : pids[d];
      tir::Value* begin = b_->binary(BinaryOp::Mul, pid, b_->index(tile.blockSize));
      defineTile(tiles[d], begin, /*offsetBegin=*/true);
    }
    // Bind the loop variables.
    if (isGrid) {
      std::vector<DV> indices;
      for (int tile : tiles) {
        DV index;
        index.kind = DV::Kind::Tensor;
        index.value = tiles_[tile].begin;
        index.dtype = DType::Int32;
        index.weak = true;
        indices.push_back(index);
      }
      if (indices.size() == 1) assignTo(*loop.target, indices[0]);
      else {
        DV tuple;
        tuple.kind = DV::Kind::Tuple;
        tuple.items = indices;
        assignTo(*loop.target, tuple);
      }
    } else if (tiles.size() == 1) {
      DV tile;
      tile.kind = DV::Kind::Tile;
      tile.tile = tiles[0];
      assignTo(*loop.target, tile);
    } else {
      DV tuple;
      tuple.kind = DV::Kind::Tuple;
      for (int t : tiles) {
        DV tile;
        tile.kind = DV::Kind::Tile;
        tile.tile = t;
        tuple.items.push_back(tile);
      }
      assignTo(*loop.target, tuple);
    }
    lowerProgramBody(loop);
  };
  int64_t total = 1;
  for (int64_t count : counts) total *= count;
  if (options_.pidType == "xyz" && tiles.size() <= 3) {
    std::vector<tir::Value*> pids(tiles.size());
    for (size_t i = 0; i < order.size(); ++i) {
      kernel_->launch.grid.push_back({counts[order[i]], -1, 1});
      pids[order[i]] = b_->programId(static_cast<int64_t>(i));
    }
    emitProgram(pids);
  } else if (options_.pidType == "persistent_blocked" || options_.pidType == "persistent_interleaved") {
    // A fixed number of programs, each looping over its share of the tiles:
    // a contiguous run of them (blocked) or every P-th (interleaved).
    int64_t programs = std::max<int64_t>(1, std::min(total, options_.persistentPrograms));
    kernel_->launch.grid.push_back({programs, -1, 1});
    tir::Value* pid = b_->programId(0);
    tir::Value *lo, *hi, *step;
    if (options_.pidType == "persistent_blocked") {
      int64_t chunk = (total + programs - 1) / programs;
      lo = b_->binary(BinaryOp::Mul, pid, b_->index(chunk));
      hi = b_->binary(BinaryOp::Minimum, b_->binary(BinaryOp::Add, lo, b_->index(chunk)), b_->index(total));
      step = b_->index(1);
    } else {
      lo = pid;
      hi = b_->index(total);
      step = b_->index(programs);
    }
    b_->forLoop(lo, hi, step, {}, [&](IRBuilder& body, tir::Value* virtualId, const tir::Values&) {
      IRBuilder* outer = b_;
      b_ = &body;
      emitProgram(decompose(virtualId));
      b_ = outer;
      return tir::Values{};
    });
  } else if (options_.pidType == "split_tail") {
    // The tiles past the last multiple of the SM count, `splits` programs a
    // tile, about four pieces for each SM. Without such tiles the loop is
    // still checked, and the kernel is a flat one.
    int64_t sms = std::max<int64_t>(1, options_.persistentPrograms);
    SplitTail split;
    auto first = std::find_if(loop.body.begin(), loop.body.end(), [&](const ast::StmtPtr& stmt) {
      auto* nested = ast::dynCast<ast::For>(stmt.get());
      auto* call = nested ? ast::dynCast<ast::Call>(nested->iter.get()) : nullptr;
      if (!call) return false;
      DV callee = eval(*call->func);
      return callee.kind == DV::Kind::Host && callee.host.builtin && callee.host.builtin->rule == BR::Tile;
    });
    if (first == loop.body.end()) compileError(diag::SplitTailNeedsLoop, loop.range);
    split.at = static_cast<size_t>(first - loop.body.begin());
    split.loop = ast::dynCast<ast::For>(first->get());
    split.groups = total % sms;
    int64_t whole = total - split.groups;
    if (split.groups > 0)
      split.splits = std::clamp<int64_t>((kPiecesPerMultiprocessor * sms + split.groups - 1) / split.groups, 1, kMaxSplits);
    kernel_->launch.grid.push_back({whole + split.groups * split.splits, -1, 1});
    tir::Value* pid = b_->programId(0);
    split.inTail = b_->binary(BinaryOp::Ge, pid, b_->index(whole));
    tir::Value* piece = b_->binary(BinaryOp::Sub, pid, b_->index(whole));
    split.group = b_->binary(BinaryOp::FloorDiv, piece, b_->index(split.splits));
    split.index = b_->select(split.inTail, b_->binary(BinaryOp::Mod, piece, b_->index(split.splits)), b_->index(0));
    split.pieces = b_->select(split.inTail, b_->index(split.splits), b_->index(1));
    tir::Value* tile = b_->select(split.inTail, b_->binary(BinaryOp::Add, b_->index(whole), split.group), pid);
    // No more than the tiles (so the range analysis knows: mask-elimination).
    tile = b_->binary(BinaryOp::Minimum, tile, b_->index(total - 1));
    split_ = split;
    emitProgram(decompose(tile));
  } else {
    kernel_->launch.grid.push_back({total, -1, 1});
    emitProgram(decompose(b_->programId(0)));
  }
  b_->setLocation(loop.range);
  b_->ret();

  LoweredLoop lowered;
  for (TensorParam& param : tensors_) lowered.tensorArgs.push_back(param.info.identity);
  lowered.module = std::move(module_);
  return lowered;
}

std::vector<int> Lowering::makeTiles(const ast::For& loop, const ast::Call& iter, std::vector<int64_t>* extents,
                                     bool* isGrid) {
  DV callee = eval(*iter.func);
  *isGrid = callee.host.builtin && callee.host.builtin->rule == BR::Grid;
  // hl.tile(end), hl.tile([m, n]), hl.tile(sizes), hl.tile(begin, end), block_size=
  std::vector<int64_t> begins, ends;
  std::optional<int64_t> blockSize;
  for (const ast::Keyword& keyword : iter.keywords) {
    DV value = eval(*keyword.value);
    if (keyword.arg == "block_size" && !value.isHostNumber() && !(value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::None))
      compileError(diag::NotCompileTimeInt, keyword.value->range, "block_size");
    if (keyword.arg == "block_size" && value.isHostNumber()) blockSize = static_cast<int64_t>(hostNumber(value));
  }
  // A nested loop may run between device scalars (causal attention's
  // hl.tile(0, tile_m.begin) and hl.tile(tile_m.begin, tile_m.end)): an end
  // with a known bound (a tile's `.end`), whose iteration space then counts as
  // reaching the bound, and any integer begin, counted as 0; such bounds go
  // to `dynamic`.
  auto hostInts = [&](const DV& value, SourceRange range, bool isBegin, std::vector<tir::Value*>* dynamic) {
    std::vector<int64_t> out;
    if (value.isHostNumber()) out.push_back(static_cast<int64_t>(hostNumber(value)));
    else if (value.isScalarTensor() && (value.upperBound || isBegin) && !tiles_.empty() && isIntegral(value.dtype, false)) {
      out.push_back(isBegin ? 0 : *value.upperBound);
      dynamic->push_back(value.value);
    }
    else if (value.kind == DV::Kind::Tuple)
      for (const DV& item : value.items) {
        if (!item.isHostNumber()) compileError(diag::NotCompileTimeInt, range, "a loop bound");
        out.push_back(static_cast<int64_t>(hostNumber(item)));
      }
    else if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::Tuple)
      for (const HostBinding& item : value.host.items) {
        if (item.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "a loop bound");
        out.push_back(item.intValue);
      }
    else
      compileError(diag::NotCompileTimeInt, range, "a loop bound");
    return out;
  };
  if (iter.args.empty() || iter.args.size() > 2) compileError(diag::TileArguments, iter.range);
  bool hasBegin = iter.args.size() == 2;
  std::vector<tir::Value*> dynamicBegins, dynamicEnds;
  std::vector<int64_t> first =
      hostInts(eval(*iter.args[0]), iter.args[0]->range, hasBegin, hasBegin ? &dynamicBegins : &dynamicEnds);
  if (hasBegin) {
    std::vector<int64_t> second = hostInts(eval(*iter.args[1]), iter.args[1]->range, false, &dynamicEnds);
    if (second.size() != first.size()) compileError(diag::TileArguments, iter.range);
    begins = first;
    ends = second;
  } else {
    begins.assign(first.size(), 0);
    ends = first;
  }
  // The loop's targets: one name per dim.
  size_t targets = 1;
  if (auto* tuple = ast::dynCast<ast::Tuple>(loop.target.get())) targets = tuple->elts.size();
  if (targets != ends.size() && !(targets == 1 && ends.size() == 1))
    compileError(diag::TileTargetCount, loop.target->range, ends.size(), targets);
  std::vector<int> made;
  for (size_t d = 0; d < ends.size(); ++d) {
    Tile tile;
    std::string name = "tile";
    if (auto* tuple = ast::dynCast<ast::Tuple>(loop.target.get())) {
      if (auto* targetName = ast::dynCast<ast::Name>(tuple->elts[d].get())) name = targetName->id;
    } else if (auto* targetName = ast::dynCast<ast::Name>(loop.target.get())) {
      name = targetName->id;
    }
    tile.name = name;
    int64_t extent = ends[d] - begins[d];
    if (*isGrid) tile.blockSize = 1;
    else if (blockSize) tile.blockSize = *blockSize;
    else tile.blockSize = options_.blockSize(loop, static_cast<int>(d), extent, iter.range);
    if (tile.blockSize < 1) compileError(diag::BadBlockSize, iter.range, tile.blockSize);
    tile.padded = sema::paddedSize(tile.blockSize);
    extents->push_back(extent);
    tiles_.push_back(tile);
    made.push_back(static_cast<int>(tiles_.size() - 1));
  }
  // Iteration spaces that start elsewhere than 0 shift the tiles' begins.
  for (size_t d = 0; d < made.size(); ++d) tiles_[made[d]].end = dynamicEnds.empty() ? b_->index(ends[d]) : dynamicEnds[d];
  for (size_t d = 0; d < made.size(); ++d) tileBegins_[made[d]] = begins[d];
  for (size_t d = 0; d < dynamicBegins.size(); ++d) dynamicBegins_[made[d]] = dynamicBegins[d];
  return made;
}

void Lowering::defineTile(int t, tir::Value* begin, bool offsetBegin) {
  Tile& tile = tiles_[t];
  int64_t offset = tileBegins_[t];
  if (offsetBegin && offset != 0) begin = b_->binary(BinaryOp::Add, begin, b_->index(offset));
  tile.begin = begin;
  tile.index = b_->binary(BinaryOp::Add, b_->splat(begin, {tile.padded}), b_->arange(0, tile.padded));
  // Lanes past the block size (padding) or past the end are not real.
  tir::Value* valid = b_->binary(BinaryOp::Lt, tile.index, b_->splat(tile.end, {tile.padded}));
  if (tile.padded != tile.blockSize)
    valid = b_->binary(BinaryOp::LogicalAnd, valid,
                       b_->binary(BinaryOp::Lt, b_->arange(0, tile.padded), b_->splat(b_->index(tile.blockSize), {tile.padded})));
  tile.valid = valid;
}


// ---- statements ----------------------------------------------------------------------

void Lowering::lowerBlock(const ast::StmtList& body) {
  for (const ast::StmtPtr& stmt : body) lowerStmt(*stmt);
}

void Lowering::lowerProgramBody(const ast::For& loop) {
  if (!split_) return lowerBlock(loop.body);
  auto at = loop.body.begin() + static_cast<std::ptrdiff_t>(split_->at);
  // Every piece of a tile runs what comes before the loop: it must not write.
  for (auto it = loop.body.begin(); it != at; ++it) {
    size_t before = b_->block().ops().size();
    lowerStmt(**it);
    const auto& ops = b_->block().ops();
    if (std::any_of(ops.begin() + static_cast<std::ptrdiff_t>(before), ops.end(),
                    [](const std::unique_ptr<tir::Op>& op) { return hasSideEffects(*op); }))
      compileError(diag::SplitTailEffectsBefore, (*it)->range);
  }
  lowerStmt(**at);
  if (split_->groups == 0) {  // no tile to split: a flat kernel
    for (auto it = std::next(at); it != loop.body.end(); ++it) lowerStmt(**it);
    return;
  }
  // Each program's piece of the sums, then the whole sums where it came last.
  Scope& scope = scopes_.back();
  tir::Values partial;
  for (const std::string& name : split_->carried) partial.push_back(scope.variables.at(name).value);
  tir::Values combined = b_->ifThenElse(
      split_->inTail,
      [&](IRBuilder& branch) { return branch.combineSplits(split_->group, split_->index, partial, split_->groups, split_->splits); },
      [&](IRBuilder& branch) {
        tir::Values whole{branch.intConstant(tir::Type::scalar(DType::Bool), 1)};
        whole.insert(whole.end(), partial.begin(), partial.end());
        return whole;
      });
  for (size_t i = 0; i < split_->carried.size(); ++i) scope.variables.at(split_->carried[i]).value = combined[i + 1];
  b_->ifThenElse(
      combined[0],
      [&](IRBuilder& branch) {
        IRBuilder* outer = b_;
        b_ = &branch;
        for (auto it = std::next(at); it != loop.body.end(); ++it) lowerStmt(**it);
        b_ = outer;
        return tir::Values{};
      },
      [](IRBuilder&) { return tir::Values{}; });
}

void Lowering::lowerStmt(const ast::Stmt& stmt) {
  b_->setLocation(stmt.range);
  switch (stmt.kind) {
    case ast::NodeKind::ExprStmt:
      eval(*ast::cast<ast::ExprStmt>(stmt).value);
      return;
    case ast::NodeKind::Assign: {
      const auto& node = ast::cast<ast::Assign>(stmt);
      DV value = eval(*node.value);
      for (const ast::ExprPtr& target : node.targets) assignTo(*target, value);
      return;
    }
    case ast::NodeKind::AnnAssign: {
      const auto& node = ast::cast<ast::AnnAssign>(stmt);
      if (node.value) assignTo(*node.target, eval(*node.value));
      return;
    }
    case ast::NodeKind::AugAssign: {
      const auto& node = ast::cast<ast::AugAssign>(stmt);
      DV current = eval(*node.target);
      DV operand = eval(*node.value);
      DV result = arithmetic(node.op, *node.target, current, *node.value, operand, node.range);
      // `acc += x` keeps acc's dtype, as PyTorch's in-place ops do.
      if (current.kind == DV::Kind::Tensor && result.kind == DV::Kind::Tensor && result.dtype != current.dtype &&
          node.target->kind == ast::NodeKind::Name) {
        result.value = b_->cast(result.value, current.dtype);
        result.dtype = current.dtype;
      }
      assignTo(*node.target, result);
      return;
    }
    case ast::NodeKind::For:
      lowerNestedFor(ast::cast<ast::For>(stmt));
      return;
    case ast::NodeKind::If: {
      const auto& node = ast::cast<ast::If>(stmt);
      DV test = eval(*node.test);
      if (test.kind != DV::Kind::Host) compileError(diag::DataDependentIf, node.test->range);
      bool taken = test.host.kind == HostBinding::Kind::None ? false
                   : test.isHostNumber()                     ? hostNumber(test) != 0
                                                             : true;
      lowerBlock(taken ? node.body : node.orelse);
      return;
    }
    case ast::NodeKind::Pass: return;
    case ast::NodeKind::Return: compileError(diag::NotInDeviceCode, stmt.range, "'return'");
    case ast::NodeKind::Break: compileError(diag::NotInDeviceCode, stmt.range, "'break'");
    case ast::NodeKind::Continue: compileError(diag::NotInDeviceCode, stmt.range, "'continue'");
    case ast::NodeKind::While: compileError(diag::NotInDeviceCode, stmt.range, "a 'while' loop");
    case ast::NodeKind::FunctionDef: compileError(diag::NotInDeviceCode, stmt.range, "a 'def'");
    case ast::NodeKind::Import:
    case ast::NodeKind::ImportFrom: compileError(diag::NotInDeviceCode, stmt.range, "'import'");
    case ast::NodeKind::Assert: compileError(diag::NotInDeviceCode, stmt.range, "'assert'");
    default: compileError(diag::NotInDeviceCode, stmt.range, "this statement");
  }
}

void Lowering::assignTo(const ast::Expr& target, const DV& value) {
  if (auto* name = ast::dynCast<ast::Name>(&target)) {
    scopes_.back().variables[name->id] = value;
    definedAt_[name->id] = target.range;
    return;
  }
  if (ast::isa<ast::Tuple>(target) || ast::isa<ast::List>(target)) {
    const ast::ExprList& elts = ast::isa<ast::Tuple>(target) ? ast::cast<ast::Tuple>(target).elts
                                                              : ast::cast<ast::List>(target).elts;
    std::vector<DV> items;
    if (value.kind == DV::Kind::Tuple) items = value.items;
    else if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::Tuple)
      for (const HostBinding& item : value.host.items) items.push_back(hostOf(item));
    else compileError(diag::CannotUnpack, target.range, elts.size());
    if (items.size() != elts.size()) compileError(diag::UnpackCount, target.range, elts.size(), items.size());
    for (size_t i = 0; i < elts.size(); ++i) assignTo(*elts[i], items[i]);
    return;
  }
  if (auto* sub = ast::dynCast<ast::Subscript>(&target)) {
    DV object = eval(*sub->value);
    if (object.kind != DV::Kind::HostTensor) compileError(diag::StoreToRegisterTile, target.range);
    store(object, evalIndexItems(*sub->slice), value, target.range, nullptr);
    return;
  }
  compileError(diag::NotInDeviceCode, target.range, "this assignment target");
}

// A nested `for` in device code: a sequential loop (hl.tile, hl.grid, range).
void Lowering::lowerNestedFor(const ast::For& loop) {
  auto* iter = ast::dynCast<ast::Call>(loop.iter.get());
  DV callee = iter ? eval(*iter->func) : DV{};
  const sema::Builtin* builtin = callee.kind == DV::Kind::Host ? callee.host.builtin : nullptr;
  if (!builtin || (builtin->rule != BR::Tile && builtin->rule != BR::Grid && builtin->rule != BR::Range))
    compileError(diag::DeviceLoopIterable, loop.iter->range);

  if (builtin->rule == BR::Range) {
    std::vector<int64_t> bounds;
    for (const ast::ExprPtr& arg : iter->args) {
      DV value = eval(*arg);
      if (value.host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, arg->range, "a range() bound");
      bounds.push_back(value.host.intValue);
    }
    if (bounds.empty() || bounds.size() > 3) compileError(diag::DeviceLoopIterable, loop.iter->range);
    int64_t start = bounds.size() > 1 ? bounds[0] : 0;
    int64_t stop = bounds.size() > 1 ? bounds[1] : bounds[0];
    int64_t step = bounds.size() > 2 ? bounds[2] : 1;
    if (step <= 0) compileError(diag::NotInDeviceCode, loop.iter->range, "a range() with a step below 1");
    carriedLoop(loop, b_->index(start), b_->index(stop), b_->index(step), [&](tir::Value* iv) {
      DV index;
      index.kind = DV::Kind::Tensor;
      index.value = iv;
      index.dtype = DType::Int32;
      index.weak = true;
      index.affineBase = iv;
      assignTo(*loop.target, index);
      lowerBlock(loop.body);
    });
    return;
  }

  std::vector<int64_t> extents;
  bool isGrid = false;
  std::vector<int> tiles = makeTiles(loop, *iter, &extents, &isGrid);
  auto bindTargets = [&] {
    std::vector<DV> bound;
    for (int t : tiles) {
      DV value;
      if (isGrid) {
        value.kind = DV::Kind::Tensor;
        value.value = tiles_[t].begin;
        value.dtype = DType::Int32;
        value.weak = true;
        value.affineBase = tiles_[t].begin;
      } else {
        value.kind = DV::Kind::Tile;
        value.tile = t;
      }
      bound.push_back(value);
    }
    if (bound.size() == 1) {
      assignTo(*loop.target, bound[0]);
    } else {
      DV tuple;
      tuple.kind = DV::Kind::Tuple;
      tuple.items = bound;
      assignTo(*loop.target, tuple);
    }
  };
  // One IR loop per dim, the first dim outermost; each level carries the same
  // variables.
  std::function<void(size_t)> nest = [&](size_t d) {
    const Tile& tile = tiles_[tiles[d]];
    auto dynamicBegin = dynamicBegins_.find(tiles[d]);
    tir::Value* begin = dynamicBegin != dynamicBegins_.end() ? dynamicBegin->second : b_->index(tileBegins_[tiles[d]]);
    tir::Value* end = tile.end;
    if (split_ && split_->loop == &loop) {
      // This program's piece of the tiles: [index * n / pieces, (index + 1) * n / pieces).
      if (tiles.size() != 1 || dynamicBegin != dynamicBegins_.end())
        compileError(diag::SplitTailNeedsLoop, loop.range);
      int64_t count = (extents[0] + tile.blockSize - 1) / tile.blockSize;
      auto boundary = [&](tir::Value* index) {
        tir::Value* tiles = b_->binary(BinaryOp::FloorDiv, b_->binary(BinaryOp::Mul, index, b_->index(count)), split_->pieces);
        return b_->binary(BinaryOp::Add, begin, b_->binary(BinaryOp::Mul, tiles, b_->index(tile.blockSize)));
      };
      tir::Value* next = b_->binary(BinaryOp::Add, split_->index, b_->index(1));
      end = b_->binary(BinaryOp::Minimum, boundary(next), tile.end);
      begin = boundary(split_->index);
    }
    carriedLoop(loop, begin, end, b_->index(tile.blockSize), [&, d](tir::Value* iv) {
      defineTile(tiles[d], iv, /*offsetBegin=*/false);
      if (d + 1 < tiles.size()) {
        nest(d + 1);
        return;
      }
      bindTargets();
      lowerBlock(loop.body);
    });
  };
  nest(0);
}

void Lowering::carriedLoop(const ast::For& loop, tir::Value* lo, tir::Value* hi, tir::Value* step,
                           const std::function<void(tir::Value* iv)>& inside) {
  // Loop-carried: names assigned in the body that hold a device value already.
  std::set<std::string> assigned;
  collectAssigned(loop.body, assigned);
  collectAssigned(*loop.target, assigned);
  Scope& scope = scopes_.back();
  std::set<std::string> boundBefore;
  for (const auto& entry : scope.variables) boundBefore.insert(entry.first);
  std::vector<std::string> carried;
  tir::Values inits;
  std::vector<DV> initValues;
  std::vector<SourceRange> initAt;  // where each got its value before the loop
  for (const std::string& name : assigned) {
    auto it = scope.variables.find(name);
    if (it == scope.variables.end() || it->second.kind != DV::Kind::Tensor) continue;
    carried.push_back(name);
    initValues.push_back(it->second);
    inits.push_back(it->second.value);
    initAt.push_back(definedAt_[name]);
  }
  SourceRange loopRange = loop.range;
  bool splitting = split_ && split_->loop == &loop;
  if (splitting) {
    // Every piece but the first sums from zero.
    tir::Value* first = b_->binary(BinaryOp::Eq, split_->index, b_->index(0));
    for (tir::Value*& init : inits) init = b_->select(first, init, b_->constant(init->type(), 0));
  }
  tir::Values results = b_->forLoop(lo, hi, step, inits, [&](IRBuilder& body, tir::Value* iv, const tir::Values& iters) {
    IRBuilder* outer = b_;
    b_ = &body;
    for (size_t i = 0; i < carried.size(); ++i) {
      DV value = initValues[i];
      value.value = iters[i];
      value.affineBase = nullptr;
      scope.variables[carried[i]] = value;
    }
    inside(iv);
    tir::Values yields;
    for (size_t i = 0; i < carried.size(); ++i) {
      DV value = scope.variables.at(carried[i]);
      const DV& before = initValues[i];
      if (value.kind != DV::Kind::Tensor && !value.isHostNumber())
        compileError(diag::LoopCarriedKind, definedAt_[carried[i]], carried[i]);
      if (value.kind == DV::Kind::Tensor && value.dims != before.dims)
        throw CompileError{[&] {
          Diagnostic d = DiagnosticEngine::make(diag::LoopCarriedShape, definedAt_[carried[i]], carried[i],
                                                shapeString(before.dims), shapeString(value.dims));
          d.notes.push_back(DiagnosticEngine::make(diag::HasShape, initAt[i], carried[i], shapeString(before.dims)));
          d.notes.push_back(DiagnosticEngine::make(diag::LoopStartsHere, loopRange));
          return d;
        }()};
      if (value.kind == DV::Kind::Tensor && value.dtype != before.dtype && !value.weak)
        compileError(diag::LoopCarriedDType, definedAt_[carried[i]], carried[i], dtypeName(before.dtype),
                     dtypeName(value.dtype));
      yields.push_back(materialize(value, before.dims, before.dtype));
    }
    b_ = outer;
    return yields;
  });
  for (size_t i = 0; i < carried.size(); ++i) {
    DV value = initValues[i];
    value.value = results[i];
    value.affineBase = nullptr;
    scope.variables[carried[i]] = value;
  }
  if (splitting) {
    if (results.empty() || hasSideEffects(*results[0]->definingOp()))
      compileError(diag::SplitTailLoopEffects, loop.range);
    const tir::Block& body = results[0]->definingOp()->regions()[0]->body();
    for (size_t i = 0; i < carried.size(); ++i) {
      const tir::Value* sum = body.argument(i + 1);
      const tir::Op* update = body.ops().back()->operand(i)->definingOp();
      size_t uses = 0;
      tir::walk(body, [&](const tir::Op& op) { uses += std::count(op.operands().begin(), op.operands().end(), sum); });
      bool added = update && uses == 1 &&
                   ((update->kind() == tir::OpKind::Dot && update->operand(2) == sum) ||
                    (update->kind() == tir::OpKind::Binary && update->stringAttr("op") == "add" &&
                     (update->operand(0) == sum || update->operand(1) == sum)));
      if (!added) compileError(diag::SplitTailNotASum, definedAt_[carried[i]], carried[i]);
    }
    split_->carried = carried;
  }
  // Names first assigned inside the loop have no value after it.
  for (const std::string& name : assigned) {
    if (boundBefore.count(name)) continue;
    scope.variables.erase(name);
    loopOnly_.insert(name);
  }
}

// ---- expressions ---------------------------------------------------------------------

DV Lowering::eval(const ast::Expr& expr) {
  switch (expr.kind) {
    case ast::NodeKind::Name: return lookup(ast::cast<ast::Name>(expr));
    case ast::NodeKind::Constant: {
      const auto& node = ast::cast<ast::Constant>(expr);
      switch (node.valueKind) {
        case ast::ConstantKind::Int: return hostInt(node.intValue);
        case ast::ConstantKind::Float: return hostFloat(node.floatValue);
        case ast::ConstantKind::Bool: return hostBool(node.boolValue);
        case ast::ConstantKind::Str: {
          DV dv;
          dv.host.kind = HostBinding::Kind::Str;
          dv.host.text = node.strValue;
          return dv;
        }
        case ast::ConstantKind::None: return DV{};
        case ast::ConstantKind::Ellipsis: {
          DV dv;
          dv.host.kind = HostBinding::Kind::Other;
          dv.host.text = "ellipsis";
          return dv;
        }
      }
      return DV{};
    }
    case ast::NodeKind::BinOp: {
      const auto& node = ast::cast<ast::BinOp>(expr);
      DV left = eval(*node.left);
      DV right = eval(*node.right);
      return arithmetic(node.op, *node.left, left, *node.right, right, node.range);
    }
    case ast::NodeKind::UnaryOp: {
      const auto& node = ast::cast<ast::UnaryOp>(expr);
      DV operand = eval(*node.operand);
      if (operand.isHostNumber()) {
        switch (node.op) {
          case ast::UnaryOpKind::Neg:
            return operand.host.kind == HostBinding::Kind::Float ? hostFloat(-operand.host.floatValue)
                                                                 : hostInt(-static_cast<int64_t>(hostNumber(operand)));
          case ast::UnaryOpKind::Pos: return operand;
          case ast::UnaryOpKind::Not: return hostBool(hostNumber(operand) == 0);
          case ast::UnaryOpKind::Invert: return hostInt(~static_cast<int64_t>(hostNumber(operand)));
        }
      }
      if (operand.kind == DV::Kind::Host && node.op == ast::UnaryOpKind::Not)
        return hostBool(operand.host.kind == HostBinding::Kind::None);
      switch (node.op) {
        case ast::UnaryOpKind::Neg: return unaryOp(UnaryOp::Neg, operand, node.range);
        case ast::UnaryOpKind::Not: return unaryOp(UnaryOp::LogicalNot, operand, node.range);
        case ast::UnaryOpKind::Invert: return unaryOp(UnaryOp::BitwiseNot, operand, node.range);
        case ast::UnaryOpKind::Pos: return toTensor(operand, node.range);
      }
      return operand;
    }
    case ast::NodeKind::Compare: {
      const auto& node = ast::cast<ast::Compare>(expr);
      if (node.ops.size() != 1) compileError(diag::NotInDeviceCode, node.range, "a chained comparison");
      DV left = eval(*node.left);
      DV right = eval(*node.comparators[0]);
      static const std::map<ast::CmpOpKind, BinaryOp> ops = {
          {ast::CmpOpKind::Eq, BinaryOp::Eq}, {ast::CmpOpKind::NotEq, BinaryOp::Ne}, {ast::CmpOpKind::Lt, BinaryOp::Lt},
          {ast::CmpOpKind::LtE, BinaryOp::Le}, {ast::CmpOpKind::Gt, BinaryOp::Gt}, {ast::CmpOpKind::GtE, BinaryOp::Ge}};
      auto op = ops.find(node.ops[0]);
      if (left.kind == DV::Kind::Host && right.kind == DV::Kind::Host) {
        bool isNone = node.ops[0] == ast::CmpOpKind::Is || node.ops[0] == ast::CmpOpKind::IsNot;
        if (isNone) {
          bool same = left.host.kind == right.host.kind && left.host.kind == HostBinding::Kind::None;
          return hostBool((node.ops[0] == ast::CmpOpKind::Is) == same);
        }
        if (left.isHostNumber() && right.isHostNumber() && op != ops.end()) {
          double a = hostNumber(left), b = hostNumber(right);
          switch (op->second) {
            case BinaryOp::Eq: return hostBool(a == b);
            case BinaryOp::Ne: return hostBool(a != b);
            case BinaryOp::Lt: return hostBool(a < b);
            case BinaryOp::Le: return hostBool(a <= b);
            case BinaryOp::Gt: return hostBool(a > b);
            default: return hostBool(a >= b);
          }
        }
      }
      if (op == ops.end()) compileError(diag::NotInDeviceCode, node.range, "this comparison");
      return binaryOp(op->second, left, right, node.range);
    }
    case ast::NodeKind::IfExp: {
      const auto& node = ast::cast<ast::IfExp>(expr);
      DV test = eval(*node.test);
      if (test.kind != DV::Kind::Host) compileError(diag::DataDependentIf, node.test->range);
      bool taken = test.isHostNumber() ? hostNumber(test) != 0 : test.host.kind != HostBinding::Kind::None;
      return eval(taken ? *node.body : *node.orelse);
    }
    case ast::NodeKind::Call: return call(ast::cast<ast::Call>(expr));
    case ast::NodeKind::Attribute: {
      const auto& node = ast::cast<ast::Attribute>(expr);
      return attribute(eval(*node.value), node.attr, node.range);
    }
    case ast::NodeKind::Subscript: {
      const auto& node = ast::cast<ast::Subscript>(expr);
      return subscript(eval(*node.value), *node.slice, node.range);
    }
    case ast::NodeKind::Tuple:
    case ast::NodeKind::List: {
      const ast::ExprList& elts = expr.kind == ast::NodeKind::Tuple ? ast::cast<ast::Tuple>(expr).elts
                                                                    : ast::cast<ast::List>(expr).elts;
      DV tuple;
      tuple.kind = DV::Kind::Tuple;
      for (const ast::ExprPtr& elt : elts) tuple.items.push_back(eval(*elt));
      return tuple;
    }
    case ast::NodeKind::Lambda: {
      DV fn;
      fn.host.kind = HostBinding::Kind::Function;
      fn.host.lambda = &ast::cast<ast::Lambda>(expr);
      fn.host.closure = scopes_.back().host;
      fn.host.functionName = "<lambda>";
      return fn;
    }
    case ast::NodeKind::FString: compileError(diag::NotInDeviceCode, expr.range, "an f-string");
    default: compileError(diag::NotInDeviceCode, expr.range, "this expression");
  }
}

DV Lowering::lookup(const ast::Name& name) {
  Scope& scope = scopes_.back();
  auto it = scope.variables.find(name.id);
  if (it != scope.variables.end()) return it->second;
  if (loopOnly_.count(name.id)) compileError(diag::DefinedOnlyInLoop, name.range, name.id);
  std::optional<HostBinding> binding = scope.host->lookup(name.id);
  if (!binding) compileError(diag::UnknownName, name.range, name.id);
  if (binding->kind == HostBinding::Kind::Tensor) {
    DV tensor;
    tensor.kind = DV::Kind::HostTensor;
    tensor.tensor = tensorParam(*binding, name.id);
    return tensor;
  }
  if (binding->kind == HostBinding::Kind::Builtin && binding->builtin->rule == BR::Print)
    compileError(diag::PrintInDeviceCode, name.range);
  return hostOf(*binding);
}

DV Lowering::attribute(const DV& object, const std::string& name, SourceRange range) {
  auto method = [&](const std::string& qualified) -> std::optional<DV> {
    const sema::Builtin* builtin = sema::findBuiltin(qualified);
    if (!builtin) return std::nullopt;
    DV bound;
    bound.host.kind = HostBinding::Kind::Builtin;
    bound.host.builtin = builtin;
    bound.self = std::make_shared<DV>(object);
    return bound;
  };
  switch (object.kind) {
    case DV::Kind::Host:
      if (object.host.kind == HostBinding::Kind::Module) {
        std::optional<HostBinding> member = scopes_.back().host->moduleMember(object.host.text, name);
        if (!member) compileError(diag::UnknownModuleAttribute, range, object.host.text, name);
        return hostOf(*member);
      }
      if (object.host.kind == HostBinding::Kind::DType && name == "is_floating_point") return hostBool(isFloating(object.host.dtype));
      compileError(diag::UnknownAttribute, range, describeHost(object.host), name);
    case DV::Kind::Tile: {
      const Tile& tile = tiles_[object.tile];
      DV scalar;
      scalar.kind = DV::Kind::Tensor;
      scalar.dtype = DType::Int32;
      scalar.weak = true;
      if (name == "index") return tileIndex(object.tile);
      // `.begin` and `.end` are at most the end of the tile's iteration space,
      // where that is constant.
      std::optional<int64_t> iterationEnd;
      if (const tir::Op* end = tile.end->definingOp(); end && end->kind() == tir::OpKind::Constant)
        iterationEnd = std::get<int64_t>(*end->findAttribute("value"));
      if (name == "begin") {
        scalar.value = tile.begin;
        scalar.affineBase = tile.begin;
        scalar.upperBound = iterationEnd;
        return scalar;
      }
      if (name == "end") {
        scalar.value = b_->binary(BinaryOp::Minimum, b_->binary(BinaryOp::Add, tile.begin, b_->index(tile.blockSize)), tile.end);
        scalar.upperBound = iterationEnd;
        return scalar;
      }
      if (name == "block_size") return hostInt(tile.blockSize);
      if (name == "id") {
        scalar.value = b_->binary(BinaryOp::FloorDiv, tile.begin, b_->index(tile.blockSize));
        return scalar;
      }
      if (auto bound = method("Tensor." + name)) return *bound;
      compileError(diag::UnknownAttribute, range, "Tile", name);
    }
    case DV::Kind::HostTensor: {
      const TensorParam& param = tensors_[object.tensor];
      if (name == "dtype") return hostDType(param.info.dtype);
      if (name == "shape") {
        DV tuple;
        tuple.kind = DV::Kind::Tuple;
        for (int64_t size : param.info.shape) tuple.items.push_back(hostInt(size));
        return tuple;
      }
      if (name == "ndim") return hostInt(static_cast<int64_t>(param.info.shape.size()));
      if (name == "device") {
        DV device;
        device.host.kind = HostBinding::Kind::Other;
        device.host.text = "torch.device";
        return device;
      }
      if (auto bound = method("Tensor." + name)) return *bound;
      compileError(diag::UnknownAttribute, range, "Tensor", name);
    }
    case DV::Kind::Tensor:
      if (name == "dtype") return hostDType(object.dtype);
      if (name == "shape") {
        DV tuple;
        tuple.kind = DV::Kind::Tuple;
        for (const Dim& dim : object.dims) tuple.items.push_back(hostInt(dim.size));
        return tuple;
      }
      if (name == "ndim") return hostInt(static_cast<int64_t>(object.dims.size()));
      if (name == "T") {
        DV transposed = object;
        std::vector<int64_t> order;
        for (int64_t d = static_cast<int64_t>(object.dims.size()) - 1; d >= 0; --d) order.push_back(d);
        if (object.dims.size() >= 2) {
          transposed.value = b_->permute(object.value, order);
          transposed.dims.assign(object.dims.rbegin(), object.dims.rend());
        }
        return transposed;
      }
      if (auto bound = method("Tensor." + name)) return *bound;
      compileError(diag::UnknownAttribute, range, "Tensor", name);
    case DV::Kind::Tuple:
      if ((name == "values" || name == "indices") && object.items.size() == 2) return object.items[name == "values" ? 0 : 1];
      compileError(diag::UnknownAttribute, range, "tuple", name);
  }
  compileError(diag::UnknownAttribute, range, "value", name);
}

DV Lowering::hostBinary(ast::BinOpKind op, const DV& a, const DV& b, SourceRange range) {
  bool floating = a.host.kind == HostBinding::Kind::Float || b.host.kind == HostBinding::Kind::Float;
  double x = hostNumber(a), y = hostNumber(b);
  if (floating || op == ast::BinOpKind::Div) {
    switch (op) {
      case ast::BinOpKind::Add: return hostFloat(x + y);
      case ast::BinOpKind::Sub: return hostFloat(x - y);
      case ast::BinOpKind::Mul: return hostFloat(x * y);
      case ast::BinOpKind::Div:
        if (y == 0) compileError(diag::HostDivisionByZero, range);
        return hostFloat(x / y);
      case ast::BinOpKind::Pow: return hostFloat(std::pow(x, y));
      case ast::BinOpKind::FloorDiv:
        if (y == 0) compileError(diag::HostDivisionByZero, range);
        return hostFloat(std::floor(x / y));
      default: compileError(diag::NotInDeviceCode, range, "this operator on floats");
    }
  }
  int64_t i = static_cast<int64_t>(x), j = static_cast<int64_t>(y);
  switch (op) {
    case ast::BinOpKind::Add: return hostInt(i + j);
    case ast::BinOpKind::Sub: return hostInt(i - j);
    case ast::BinOpKind::Mul: return hostInt(i * j);
    case ast::BinOpKind::FloorDiv:
    case ast::BinOpKind::Mod: {
      if (j == 0) compileError(diag::HostDivisionByZero, range);
      int64_t q = i / j;
      if ((i % j != 0) && ((i < 0) != (j < 0))) --q;
      return hostInt(op == ast::BinOpKind::FloorDiv ? q : i - q * j);
    }
    case ast::BinOpKind::Pow: {
      if (j < 0) return hostFloat(std::pow(x, y));
      int64_t result = 1;
      for (int64_t k = 0; k < j; ++k) result *= i;
      return hostInt(result);
    }
    case ast::BinOpKind::LShift: return hostInt(i << j);
    case ast::BinOpKind::RShift: return hostInt(i >> j);
    case ast::BinOpKind::BitOr: return hostInt(i | j);
    case ast::BinOpKind::BitXor: return hostInt(i ^ j);
    case ast::BinOpKind::BitAnd: return hostInt(i & j);
    default: compileError(diag::NotInDeviceCode, range, "this operator on integers");
  }
}

DV Lowering::arithmetic(ast::BinOpKind op, const ast::Expr& leftExpr, const DV& left, const ast::Expr& rightExpr,
                       const DV& right, SourceRange range) {
  if (left.isHostNumber() && right.isHostNumber()) return hostBinary(op, left, right, range);
  static const std::map<ast::BinOpKind, BinaryOp> ops = {
      {ast::BinOpKind::Add, BinaryOp::Add},           {ast::BinOpKind::Sub, BinaryOp::Sub},
      {ast::BinOpKind::Mul, BinaryOp::Mul},           {ast::BinOpKind::Div, BinaryOp::Div},
      {ast::BinOpKind::FloorDiv, BinaryOp::FloorDiv}, {ast::BinOpKind::Mod, BinaryOp::Mod},
      {ast::BinOpKind::Pow, BinaryOp::Pow},           {ast::BinOpKind::LShift, BinaryOp::LShift},
      {ast::BinOpKind::RShift, BinaryOp::RShift},     {ast::BinOpKind::BitOr, BinaryOp::BitwiseOr},
      {ast::BinOpKind::BitXor, BinaryOp::BitwiseXor}, {ast::BinOpKind::BitAnd, BinaryOp::BitwiseAnd}};
  try {
    if (op == ast::BinOpKind::MatMul)
      return matmul(toTensor(left, leftExpr.range), toTensor(right, rightExpr.range), nullptr, std::nullopt, range);
    return binaryOp(ops.at(op), left, right, range);
  } catch (CompileError& error) {
    // Where the mismatched shapes came from: the names' assignments.
    if (error.diagnostic.id == diag::CannotBroadcast || error.diagnostic.id == diag::MatmulShapes) {
      noteShape(error.diagnostic, leftExpr, left);
      noteShape(error.diagnostic, rightExpr, right);
    }
    throw;
  }
}

void Lowering::noteShape(Diagnostic& diagnostic, const ast::Expr& expr, const DV& value) {
  auto* name = ast::dynCast<ast::Name>(&expr);
  if (!name || value.kind != DV::Kind::Tensor || value.dims.empty() || !definedAt_.count(name->id)) return;
  diagnostic.notes.push_back(
      DiagnosticEngine::make(diag::HasShape, definedAt_.at(name->id), name->id, shapeString(value.dims)));
}

DV Lowering::binaryOp(BinaryOp op, const DV& a0, const DV& b0, SourceRange range) {
  DV a = a0.isHostNumber() ? a0 : toTensor(a0, range);
  DV b = b0.isHostNumber() ? b0 : toTensor(b0, range);
  size_t conflict = 0;
  std::optional<DimList> dims = sema::broadcastDims(a.dims, b.dims, &conflict);
  if (!dims) compileError(diag::CannotBroadcast, range, shapeString(a.dims), shapeString(b.dims));
  ResultType resultType;
  auto addOperand = [&](const DV& operand) {
    if (operand.isHostNumber()) resultType.scalar(hostScalarKind(operand));
    else if (operand.weak) resultType.scalar(isFloating(operand.dtype) ? ScalarKind::Float : ScalarKind::Int);
    else resultType.tensor(operand.dtype, static_cast<int64_t>(operand.dims.size()));
  };
  addOperand(a);
  addOperand(b);
  DType common = resultType.get();
  // Python numbers on both sides: the device computes in 32-bit integers.
  bool weak = (a.weak || a.isHostNumber()) && (b.weak || b.isHostNumber());
  if (weak && common == DType::Int64) common = DType::Int32;
  std::optional<OpDTypes> types = binaryDTypes(op, common);
  if (!types) compileError(diag::OpNotForDType, range, opInfo(op).name, dtypeName(common));
  DV result;
  result.kind = DV::Kind::Tensor;
  result.dims = *dims;
  result.value = b_->binary(op, materialize(a, *dims, types->compute), materialize(b, *dims, types->compute));
  result.dtype = types->result;
  if (weak) {
    result.weak = true;
    // Track `i + c` exactly, for slices `x[i:i + c]`.
    const DV* base = a.affineBase ? &a : (b.affineBase ? &b : nullptr);
    const DV* offset = a.isHostNumber() ? &a : (b.isHostNumber() ? &b : nullptr);
    if (base && offset && offset->host.kind == HostBinding::Kind::Int) {
      if (op == BinaryOp::Add) {
        result.affineBase = base->affineBase;
        result.affineOffset = base->affineOffset + offset->host.intValue;
      } else if (op == BinaryOp::Sub && base == &a) {
        result.affineBase = base->affineBase;
        result.affineOffset = base->affineOffset - offset->host.intValue;
      }
    }
  }
  return result;
}

DV Lowering::unaryOp(UnaryOp op, const DV& x0, SourceRange range) {
  DV x = toTensor(x0, range);
  std::optional<OpDTypes> types = unaryDTypes(op, x.dtype);
  if (!types) compileError(diag::OpNotForDType, range, opInfo(op).name, dtypeName(x.dtype));
  DV result = x;
  result.affineBase = nullptr;
  result.value = b_->unary(op, materialize(x, x.dims, types->compute));
  result.dtype = types->result;
  return result;
}

DV Lowering::subscript(const DV& object, const ast::Expr& index, SourceRange range) {
  if (object.kind == DV::Kind::HostTensor) return load(object, evalIndexItems(index), range, nullptr);
  std::vector<const ast::Expr*> items;
  if (auto* tuple = ast::dynCast<ast::Tuple>(&index))
    for (auto& elt : tuple->elts) items.push_back(elt.get());
  else
    items.push_back(&index);
  if (object.kind == DV::Kind::Tuple || (object.kind == DV::Kind::Host && object.host.kind == HostBinding::Kind::Tuple)) {
    DV position = eval(index);
    if (position.host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, index.range, "a tuple index");
    std::vector<DV> elements = object.items;
    if (object.kind == DV::Kind::Host)
      for (const HostBinding& item : object.host.items) elements.push_back(hostOf(item));
    int64_t at = position.host.intValue < 0 ? position.host.intValue + static_cast<int64_t>(elements.size())
                                            : position.host.intValue;
    if (at < 0 || at >= static_cast<int64_t>(elements.size()))
      compileError(diag::IndexOutOfRange, index.range, position.host.intValue, 0, "the tuple", elements.size());
    return elements[at];
  }
  // A register tile: `:`, `None`, `...`, and constant-length slices or integers
  // on a dim (gathered from registers).
  DV x = toTensor(object, range);
  size_t consumed = 0;
  for (const ast::Expr* item : items) {
    bool isNone = ast::isa<ast::Constant>(item) && ast::cast<ast::Constant>(*item).valueKind == ast::ConstantKind::None;
    bool isEllipsis = ast::isa<ast::Constant>(item) && ast::cast<ast::Constant>(*item).valueKind == ast::ConstantKind::Ellipsis;
    if (!isNone && !isEllipsis) ++consumed;
  }
  if (consumed > x.dims.size()) compileError(diag::TooManyIndices, range, "this tile", consumed, x.dims.size());
  size_t axis = 0;
  for (const ast::Expr* item : items) {
    if (auto* constant = ast::dynCast<ast::Constant>(item)) {
      if (constant->valueKind == ast::ConstantKind::None) {
        x.value = x.dims.empty() ? b_->splat(x.value, {1}) : b_->expandDims(x.value, static_cast<int64_t>(axis));
        x.dims.insert(x.dims.begin() + static_cast<std::ptrdiff_t>(axis), Dim::constant(1));
        ++axis;
        continue;
      }
      if (constant->valueKind == ast::ConstantKind::Ellipsis) {
        axis = x.dims.size() - consumed;
        continue;
      }
    }
    if (auto* slice = ast::dynCast<ast::Slice>(item)) {
      --consumed;
      if (!slice->lower && !slice->upper && !slice->step) {
        ++axis;
        continue;
      }
      DV start = slice->lower ? eval(*slice->lower) : hostInt(0);
      DV stop = slice->upper ? eval(*slice->upper) : hostInt(x.dims[axis].size);
      int64_t length;
      if (start.isHostNumber() && stop.isHostNumber()) length = static_cast<int64_t>(hostNumber(stop) - hostNumber(start));
      else if (start.affineBase && start.affineBase == stop.affineBase) length = stop.affineOffset - start.affineOffset;
      else compileError(diag::NonConstantSliceLength, item->range);
      if (slice->step) compileError(diag::NotInDeviceCode, item->range, "a slice with a step of a register tile");
      x = registerSlice(x, axis, start, length, item->range);
      ++axis;
      continue;
    }
    --consumed;
    DV position = eval(*item);
    x = registerSlice(x, axis, position, 1, item->range);
    // An integer drops the dim.
    std::vector<int64_t> shape = sema::paddedShape(x.dims);
    shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
    x.dims.erase(x.dims.begin() + static_cast<std::ptrdiff_t>(axis));
    x.value = shape.empty() ? b_->reduce(ReduceOp::Sum, x.value, 0) : b_->reshape(x.value, shape);
  }
  return x;
}

DV Lowering::call(const ast::Call& node) {
  DV callee = eval(*node.func);
  std::vector<DV> positional;
  for (const ast::ExprPtr& arg : node.args) {
    if (auto* starred = ast::dynCast<ast::Starred>(arg.get())) {
      DV value = eval(*starred->value);
      if (value.kind == DV::Kind::Tuple) {
        for (const DV& item : value.items) positional.push_back(item);
      } else if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::Tuple) {
        for (const HostBinding& item : value.host.items) positional.push_back(hostOf(item));
      } else {
        compileError(diag::NotInDeviceCode, arg->range, "'*' on this value");
      }
      continue;
    }
    positional.push_back(eval(*arg));
  }
  std::vector<std::string> keywordNames;
  std::vector<DV> keywordValues;
  for (const ast::Keyword& keyword : node.keywords) {
    if (keyword.arg.empty()) compileError(diag::NotInDeviceCode, keyword.range, "'**' arguments");
    keywordNames.push_back(keyword.arg);
    keywordValues.push_back(eval(*keyword.value));
  }
  if (callee.kind == DV::Kind::Host && callee.host.kind == HostBinding::Kind::Builtin)
    return callBuiltin(*callee.host.builtin, callee.self.get(), positional, keywordNames, keywordValues, node.range);
  if (callee.kind == DV::Kind::Host && callee.host.kind == HostBinding::Kind::Function)
    return inlineFunction(callee.host, positional, keywordNames, keywordValues, node.range);
  compileError(diag::NotCallableInDevice, node.func->range,
               callee.kind == DV::Kind::Host ? describeHost(callee.host) : std::string("tile value"));
}

DV Lowering::inlineFunction(const HostBinding& function, std::vector<DV>& positional,
                            std::vector<std::string>& keywordNames, std::vector<DV>& keywordValues, SourceRange range) {
  const std::vector<ast::Param>& params = function.def ? function.def->params : function.lambda->params;
  sema::Signature signature;
  signature.name = function.functionName;
  for (const ast::Param& param : params) {
    sema::SignatureParam p;
    p.name = param.name;
    p.kind = static_cast<sema::SignatureParam::Kind>(param.kind);
    if (param.defaultValue) p.defaultValue = sema::DefaultValue{};
    signature.params.push_back(p);
  }
  std::string error;
  std::optional<sema::Binding> binding = sema::bind(signature, positional.size(), keywordNames, &error);
  if (!binding) compileError(diag::DeviceCallError, range, error);
  // The function runs in its own scope, over the host values it closes over.
  Scope inner{{}, function.closure};
  for (size_t i = 0; i < params.size(); ++i) {
    int argument = binding->argumentOf[i];
    if (params[i].kind == ast::Param::Kind::VarPositional || params[i].kind == ast::Param::Kind::VarKeyword)
      compileError(diag::NotInDeviceCode, params[i].range, "'*args' or '**kwargs' in a function inlined into device code");
    if (argument >= 0) {
      size_t at = static_cast<size_t>(argument);
      inner.variables[params[i].name] = at < positional.size() ? positional[at] : keywordValues[at - positional.size()];
    } else {
      scopes_.push_back(Scope{{}, function.closure});
      DV value = eval(*params[i].defaultValue);
      scopes_.pop_back();
      inner.variables[params[i].name] = value;
    }
  }
  scopes_.push_back(std::move(inner));
  DV result;
  if (function.lambda) {
    result = eval(*function.lambda->body);
  } else {
    for (const ast::StmtPtr& stmt : function.def->body) {
      if (auto* ret = ast::dynCast<ast::Return>(stmt.get())) {
        if (ret->value) result = eval(*ret->value);
        break;
      }
      lowerStmt(*stmt);
    }
  }
  scopes_.pop_back();
  return result;
}

DV Lowering::callBuiltin(const sema::Builtin& builtin, const DV* self, std::vector<DV>& positional,
                         std::vector<std::string>& keywordNames, std::vector<DV>& keywordValues, SourceRange range) {
  std::vector<DV> args;
  if (self) args.push_back(*self);
  for (DV& value : positional) args.push_back(value);
  size_t positionalCount = args.size();
  for (DV& value : keywordValues) args.push_back(value);
  std::string error;
  std::optional<sema::Binding> binding = sema::bind(builtin.signature, positionalCount, keywordNames, &error);
  if (!binding) compileError(diag::DeviceCallError, range, error);
  auto has = [&](const char* name) {
    int param = builtin.signature.find(name);
    return param >= 0 && binding->argumentOf[param] >= 0 &&
           !(args[binding->argumentOf[param]].kind == DV::Kind::Host &&
             args[binding->argumentOf[param]].host.kind == HostBinding::Kind::None);
  };
  auto arg = [&](const char* name) -> DV {
    int param = builtin.signature.find(name);
    if (param >= 0 && binding->argumentOf[param] >= 0) return args[binding->argumentOf[param]];
    if (param >= 0 && builtin.signature.params[param].defaultValue) {
      const sema::DefaultValue& d = *builtin.signature.params[param].defaultValue;
      switch (d.kind) {
        case sema::DefaultValue::Kind::Bool: return hostBool(d.boolValue);
        case sema::DefaultValue::Kind::Int: return hostInt(d.intValue);
        case sema::DefaultValue::Kind::Float: return hostFloat(d.floatValue);
        case sema::DefaultValue::Kind::Name:
          if (auto dtype = parseDType(d.text.substr(d.text.rfind('.') + 1))) return hostDType(*dtype);
          return DV{};
        default: return DV{};
      }
    }
    return DV{};
  };
  auto rest = [&] {
    std::vector<DV> out;
    for (int index : binding->varPositional) out.push_back(args[index]);
    return out;
  };
  const char* first = builtin.signature.params.empty() ? "" : builtin.signature.params[0].name.c_str();
  auto tensorArg = [&](const char* name) { return toTensor(arg(name), range); };
  auto intArg = [&](const char* name) -> int64_t {
    DV value = arg(name);
    if (value.host.kind != HostBinding::Kind::Int && value.host.kind != HostBinding::Kind::Bool)
      compileError(diag::NotCompileTimeInt, range, name);
    return static_cast<int64_t>(hostNumber(value));
  };
  auto dtypeArg = [&](const char* name) -> std::optional<DType> {
    DV value = arg(name);
    if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::DType) return value.host.dtype;
    return std::nullopt;
  };
  auto numberArg = [&](const char* name) -> double {
    DV value = arg(name);
    if (!value.isHostNumber()) compileError(diag::NotCompileTimeInt, range, name);
    return hostNumber(value);
  };
  auto castTo = [&](DV x, DType dtype) {
    x = toTensor(x, range);
    x.value = b_->cast(x.value, dtype);
    x.dtype = dtype;
    x.weak = false;
    x.affineBase = nullptr;
    return x;
  };

  switch (builtin.rule) {
    case BR::Unary: return unaryOp(builtin.unaryOp, arg(first), range);
    case BR::Binary: return binaryOp(builtin.binaryOp, arg(first), arg("other"), range);
    case BR::Reduce: {
      DV x = tensorArg(first);
      std::vector<int64_t> axes = has("dim") ? axesOf(arg("dim"), static_cast<int64_t>(x.dims.size()), range)
                                             : axesOf(DV{}, static_cast<int64_t>(x.dims.size()), range);
      if (auto dtype = dtypeArg("dtype")) x = castTo(x, *dtype);
      return reduce(builtin.reduceOp, x, axes, has("keepdim") && hostNumber(arg("keepdim")) != 0, range);
    }
    case BR::MaxMin: {
      DV x = tensorArg(first);
      bool keepdim = has("keepdim") && hostNumber(arg("keepdim")) != 0;
      if (!has("dim")) return reduce(builtin.reduceOp, x, axesOf(DV{}, static_cast<int64_t>(x.dims.size()), range), false, range);
      std::vector<int64_t> axes = axesOf(arg("dim"), static_cast<int64_t>(x.dims.size()), range);
      DV pair;
      pair.kind = DV::Kind::Tuple;
      pair.items.push_back(reduce(builtin.reduceOp, x, axes, keepdim, range));
      pair.items.push_back(reduce(builtin.reduceOp == ReduceOp::Max ? ReduceOp::ArgMax : ReduceOp::ArgMin, x, axes, keepdim, range));
      return pair;
    }
    case BR::Scan: {
      DV x = tensorArg(first);
      std::vector<int64_t> axes = axesOf(arg("dim"), static_cast<int64_t>(x.dims.size()), range);
      if (auto dtype = dtypeArg("dtype")) x = castTo(x, *dtype);
      std::optional<DType> result = reduceResultDType(opInfo(builtin.scanOp).rule, x.dtype);
      if (!result) compileError(diag::OpNotForDType, range, opInfo(builtin.scanOp).name, dtypeName(x.dtype));
      x = castTo(x, *result);
      // Padding lanes must not feed the scan: they come after the real ones.
      if (tir::Value* valid = dimValid(x.dims[axes[0]])) {
        tir::Value* mask = placeAxis(valid, axes[0], sema::paddedShape(x.dims));
        double identity = builtin.scanOp == ScanOp::CumProd ? 1 : 0;
        x.value = b_->select(mask, x.value, materialize(hostFloat(identity), x.dims, x.dtype));
      }
      x.value = b_->scan(builtin.scanOp, x.value, axes[0]);
      return x;
    }
    case BR::Where: {
      DV condition = tensorArg("condition");
      DV a = arg("input"), b = arg("other");
      std::optional<DimList> dims = sema::broadcastDims(condition.dims, a.isHostNumber() ? DimList{} : toTensor(a, range).dims);
      if (dims) dims = sema::broadcastDims(*dims, b.isHostNumber() ? DimList{} : toTensor(b, range).dims);
      if (!dims) compileError(diag::CannotBroadcast, range, shapeString(condition.dims), shapeString(toTensor(a, range).dims));
      ResultType resultType;
      for (const DV* operand : {&a, &b}) {
        if (operand->isHostNumber()) resultType.scalar(hostScalarKind(*operand));
        else {
          DV t = toTensor(*operand, range);
          if (t.weak) resultType.scalar(isFloating(t.dtype) ? ScalarKind::Float : ScalarKind::Int);
          else resultType.tensor(t.dtype, static_cast<int64_t>(t.dims.size()));
        }
      }
      DType dtype = resultType.get();
      DV result;
      result.kind = DV::Kind::Tensor;
      result.dims = *dims;
      result.dtype = dtype;
      result.value = b_->select(materialize(castTo(condition, DType::Bool), *dims, DType::Bool), materialize(a, *dims, dtype),
                                materialize(b, *dims, dtype));
      return result;
    }
    case BR::Clamp: {
      DV x = tensorArg(first);
      if (has("min")) x = binaryOp(BinaryOp::Maximum, x, arg("min"), range);
      if (has("max")) x = binaryOp(BinaryOp::Minimum, x, arg("max"), range);
      return x;
    }
    case BR::Softmax:
    case BR::LogSoftmax: {
      DV x = tensorArg(first);
      if (auto dtype = dtypeArg("dtype")) x = castTo(x, *dtype);
      if (!isFloating(x.dtype)) x = castTo(x, DType::Float32);
      std::vector<int64_t> axes = axesOf(arg("dim"), static_cast<int64_t>(x.dims.size()), range);
      DV max = reduce(ReduceOp::Max, x, axes, true, range);
      DV shifted = binaryOp(BinaryOp::Sub, x, max, range);
      DV exps = unaryOp(UnaryOp::Exp, shifted, range);
      DV sum = reduce(ReduceOp::Sum, exps, axes, true, range);
      if (builtin.rule == BR::Softmax) return binaryOp(BinaryOp::Div, exps, sum, range);
      return binaryOp(BinaryOp::Sub, shifted, unaryOp(UnaryOp::Log, sum, range), range);
    }
    case BR::Matmul: return matmul(tensorArg(first), tensorArg(builtin.signature.params[1].name.c_str()), nullptr, std::nullopt, range);
    case BR::Bmm: return matmul(tensorArg("input"), tensorArg("mat2"), nullptr, std::nullopt, range);
    case BR::Addmm:
    case BR::Baddbmm: {
      if (numberArg("beta") != 1 || numberArg("alpha") != 1)
        compileError(diag::NotInDeviceCode, range, "beta or alpha other than 1");
      DV acc = tensorArg("input");
      bool batched = builtin.rule == BR::Baddbmm;
      return matmul(tensorArg(batched ? "batch1" : "mat1"), tensorArg(batched ? "batch2" : "mat2"), &acc, std::nullopt, range);
    }
    case BR::Dot: {
      DV acc = has("acc") ? tensorArg("acc") : DV{};
      return matmul(tensorArg("mat1"), tensorArg("mat2"), has("acc") ? &acc : nullptr, dtypeArg("out_dtype"), range);
    }
    case BR::ZerosLike:
    case BR::OnesLike:
    case BR::EmptyLike:
    case BR::FullLike: {
      DV like = tensorArg("input");
      double value = builtin.rule == BR::OnesLike ? 1 : builtin.rule == BR::FullLike ? numberArg("fill_value") : 0;
      DType dtype = dtypeArg("dtype").value_or(like.dtype);
      return fill(like.dims, value, dtype);
    }
    case BR::HlZeros:
    case BR::HlFull: {
      DimList dims = shapeFromList(arg("shape"), range);
      double value = builtin.rule == BR::HlFull ? numberArg("value") : 0;
      return fill(dims, value, dtypeArg("dtype").value_or(DType::Float32));
    }
    case BR::Zeros:
    case BR::Ones:
    case BR::Full: {
      std::vector<DV> sizes = builtin.rule == BR::Full ? std::vector<DV>{arg("size")} : rest();
      DV shape;
      shape.kind = DV::Kind::Tuple;
      if (sizes.size() == 1 && (sizes[0].kind == DV::Kind::Tuple || sizes[0].host.kind == HostBinding::Kind::Tuple)) shape = sizes[0];
      else shape.items = sizes;
      double value = builtin.rule == BR::Ones ? 1 : builtin.rule == BR::Full ? numberArg("fill_value") : 0;
      return fill(shapeFromList(shape, range), value, dtypeArg("dtype").value_or(DType::Float32));
    }
    case BR::Arange: {
      std::vector<int64_t> bounds;
      if (builtin.module() == "helion.language") {
        for (const DV& value : rest()) {
          if (value.host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "an arange bound");
          bounds.push_back(value.host.intValue);
        }
      } else {
        bounds.push_back(intArg("start"));
        if (has("end")) bounds.push_back(intArg("end"));
        if (intArg("step") != 1) compileError(diag::NotInDeviceCode, range, "arange with a step other than 1");
      }
      int64_t start = bounds.size() > 1 ? bounds[0] : 0;
      int64_t end = bounds.size() > 1 ? bounds[1] : bounds[0];
      DType dtype = dtypeArg("dtype").value_or(builtin.module() == "helion.language" ? DType::Int32 : DType::Int64);
      DV result;
      result.kind = DV::Kind::Tensor;
      result.dims = {Dim::constant(end - start)};
      result.dtype = dtype;
      int64_t padded = sema::paddedSize(end - start);
      result.value = b_->cast(b_->binary(BinaryOp::Add, b_->arange(0, padded), b_->splat(b_->index(start), {padded})), dtype);
      return result;
    }
    case BR::Reshape: {
      DV x = tensorArg(first);
      std::vector<DV> sizes = builtin.isMethod() ? rest() : std::vector<DV>{arg("shape")};
      if (sizes.size() == 1 && sizes[0].kind == DV::Kind::Tuple) sizes = sizes[0].items;
      std::vector<int64_t> target;
      for (const DV& size : sizes) {
        if (size.host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "a reshape size");
        target.push_back(size.host.intValue);
      }
      std::vector<int64_t> current;
      for (const Dim& dim : x.dims) current.push_back(dim.size);
      if (target == current) return x;  // keeps tile dims, as `reshape(tile.size(0), 8)` means
      bool allConst = true;
      for (const Dim& dim : x.dims) allConst &= dim.kind == Dim::Kind::Const && sema::paddedSize(dim.size) == dim.size;
      int64_t count = 1, targetCount = 1, inferred = -1;
      for (const Dim& dim : x.dims) count *= dim.size;
      for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == -1) inferred = static_cast<int64_t>(i);
        else targetCount *= target[i];
      }
      if (inferred >= 0 && targetCount > 0) target[inferred] = count / targetCount;
      bool targetPow2 = true;
      for (int64_t size : target) targetPow2 &= sema::paddedSize(size) == size;
      if (!allConst || !targetPow2) compileError(diag::ReshapeTiles, range, shapeString(x.dims));
      x.value = b_->reshape(x.value, target);
      x.dims.clear();
      for (int64_t size : target) x.dims.push_back(Dim::constant(size));
      return x;
    }
    case BR::Permute:
    case BR::Transpose:
    case BR::T: {
      DV x = tensorArg(first);
      int64_t rank = static_cast<int64_t>(x.dims.size());
      std::vector<int64_t> order(rank);
      for (int64_t i = 0; i < rank; ++i) order[i] = i;
      if (builtin.rule == BR::Permute) {
        std::vector<DV> dims = builtin.isMethod() ? rest() : std::vector<DV>{arg("dims")};
        if (dims.size() == 1 && dims[0].kind == DV::Kind::Tuple) dims = dims[0].items;
        for (size_t i = 0; i < dims.size() && i < order.size(); ++i) {
          if (dims[i].host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "a permutation");
          std::optional<int64_t> axis = sema::normalizeAxis(dims[i].host.intValue, rank);
          if (!axis) compileError(diag::AxisOutOfRange, range, dims[i].host.intValue, rank);
          order[i] = *axis;
        }
      } else if (rank >= 2) {
        std::optional<int64_t> a = builtin.rule == BR::T ? rank - 2 : sema::normalizeAxis(intArg("dim0"), rank);
        std::optional<int64_t> c = builtin.rule == BR::T ? rank - 1 : sema::normalizeAxis(intArg("dim1"), rank);
        if (!a || !c) compileError(diag::AxisOutOfRange, range, builtin.rule == BR::T ? 1 : intArg("dim0"), rank);
        std::swap(order[*a], order[*c]);
      }
      DimList dims;
      for (int64_t axis : order) dims.push_back(x.dims[axis]);
      if (rank >= 2) x.value = b_->permute(x.value, order);
      x.dims = dims;
      return x;
    }
    case BR::Unsqueeze: {
      DV x = tensorArg(first);
      int64_t rank = static_cast<int64_t>(x.dims.size()) + 1;
      std::optional<int64_t> axis = sema::normalizeAxis(intArg("dim"), rank);
      if (!axis) compileError(diag::AxisOutOfRange, range, intArg("dim"), rank);
      x.value = x.dims.empty() ? b_->splat(x.value, {1}) : b_->expandDims(x.value, *axis);
      x.dims.insert(x.dims.begin() + *axis, Dim::constant(1));
      return x;
    }
    case BR::Squeeze: {
      DV x = tensorArg(first);
      DimList kept;
      std::vector<int64_t> axes = has("dim") ? axesOf(arg("dim"), static_cast<int64_t>(x.dims.size()), range) : std::vector<int64_t>{};
      for (size_t i = 0; i < x.dims.size(); ++i) {
        bool drop = x.dims[i].isOne() && (axes.empty() || std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end());
        if (!drop) kept.push_back(x.dims[i]);
      }
      if (kept.size() == x.dims.size()) return x;
      x.value = kept.empty() ? b_->reduce(ReduceOp::Sum, b_->reshape(x.value, {1}), 0) : b_->reshape(x.value, sema::paddedShape(kept));
      x.dims = kept;
      return x;
    }
    case BR::Expand:
    case BR::ExpandAs: {
      DV x = tensorArg("self");
      DimList dims;
      if (builtin.rule == BR::ExpandAs) {
        dims = tensorArg("other").dims;
      } else {
        std::vector<DV> sizes = rest();
        if (sizes.size() == 1 && sizes[0].kind == DV::Kind::Tuple) sizes = sizes[0].items;
        size_t offset = sizes.size() - x.dims.size();
        for (size_t i = 0; i < sizes.size(); ++i) {
          if (sizes[i].host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "an expand size");
          int64_t size = sizes[i].host.intValue;
          if (i >= offset && (size == -1 || size == x.dims[i - offset].size)) dims.push_back(x.dims[i - offset]);
          else dims.push_back(Dim::constant(size));
        }
      }
      std::optional<DimList> merged = sema::broadcastDims(x.dims, dims);
      if (!merged || *merged != dims) compileError(diag::CannotBroadcast, range, shapeString(x.dims), shapeString(dims));
      x.value = materialize(x, dims, x.dtype);
      x.dims = dims;
      return x;
    }
    case BR::Size: {
      DV x = arg("self");
      if (x.kind == DV::Kind::Tile) {
        if (has("dim") && intArg("dim") != 0) compileError(diag::AxisOutOfRange, range, intArg("dim"), 1);
        return hostInt(tiles_[x.tile].blockSize);
      }
      std::vector<int64_t> sizes;
      if (x.kind == DV::Kind::HostTensor) sizes = tensors_[x.tensor].info.shape;
      else
        for (const Dim& dim : toTensor(x, range).dims) sizes.push_back(dim.size);
      if (has("dim")) {
        std::optional<int64_t> axis = sema::normalizeAxis(intArg("dim"), static_cast<int64_t>(sizes.size()));
        if (!axis) compileError(diag::AxisOutOfRange, range, intArg("dim"), sizes.size());
        return hostInt(sizes[*axis]);
      }
      DV tuple;
      tuple.kind = DV::Kind::Tuple;
      for (int64_t size : sizes) tuple.items.push_back(hostInt(size));
      return tuple;
    }
    case BR::Dim: {
      DV x = arg("self");
      if (x.kind == DV::Kind::HostTensor) return hostInt(static_cast<int64_t>(tensors_[x.tensor].info.shape.size()));
      return hostInt(static_cast<int64_t>(toTensor(x, range).dims.size()));
    }
    case BR::Numel: {
      DV x = arg("self");
      if (x.kind == DV::Kind::HostTensor) {
        int64_t n = 1;
        for (int64_t size : tensors_[x.tensor].info.shape) n *= size;
        return hostInt(n);
      }
      compileError(diag::NotInDeviceCode, range, "numel() of a tile");
    }
    case BR::Contiguous:
    case BR::Clone: return tensorArg("self");
    case BR::To: {
      DV x = tensorArg("self");
      for (const DV& item : rest())
        if (item.host.kind == HostBinding::Kind::DType) x = castTo(x, item.host.dtype);
      if (auto dtype = dtypeArg("dtype")) x = castTo(x, *dtype);
      return x;
    }
    case BR::CastFloat: return castTo(arg("self"), DType::Float32);
    case BR::CastHalf: return castTo(arg("self"), DType::Float16);
    case BR::CastBFloat16: return castTo(arg("self"), DType::BFloat16);
    case BR::CastInt: return castTo(arg("self"), DType::Int32);
    case BR::CastLong: return castTo(arg("self"), DType::Int64);
    case BR::CastBool: return castTo(arg("self"), DType::Bool);
    case BR::HlLoad:
    case BR::HlStore:
    case BR::Atomic: {
      DV target = arg(builtin.rule == BR::Atomic ? "target" : "tensor");
      if (target.kind != DV::Kind::HostTensor) compileError(diag::MemoryOpNeedsTensor, range, builtin.name());
      DV index = arg("index");
      std::vector<DV> items = index.kind == DV::Kind::Tuple ? index.items : std::vector<DV>{index};
      std::vector<IndexItem> itemExprs;
      for (const DV& item : items) {
        IndexItem indexItem;
        indexItem.value = item;
        indexItem.range = range;
        itemExprs.push_back(indexItem);
      }
      tir::Value* extra = nullptr;
      if (builtin.rule != BR::Atomic && has("extra_mask")) extra = materialize(castTo(arg("extra_mask"), DType::Bool), {}, DType::Bool);
      DV result;
      if (builtin.rule == BR::HlLoad) {
        tir::Value* offsets = nullptr;
        tir::Value* mask = nullptr;
        DV shape = memoryAccess(target, itemExprs, range, &offsets, &mask);
        if (has("extra_mask")) {
          DV extraMask = castTo(arg("extra_mask"), DType::Bool);
          mask = andMasks(mask, materialize(extraMask, shape.dims, DType::Bool));
        }
        result = shape;
        result.value = b_->load(tensors_[target.tensor].pointer, offsets, mask);
      } else if (builtin.rule == BR::HlStore) {
        DV value = arg("value");
        if (has("extra_mask")) {
          tir::Value* offsets = nullptr;
          tir::Value* mask = nullptr;
          DV shape = memoryAccess(target, itemExprs, range, &offsets, &mask);
          extra = materialize(castTo(arg("extra_mask"), DType::Bool), shape.dims, DType::Bool);
        }
        store(target, itemExprs, value, range, extra);
      } else {
        tir::Value* offsets = nullptr;
        tir::Value* mask = nullptr;
        DV shape = memoryAccess(target, itemExprs, range, &offsets, &mask);
        DV value = arg("value");
        std::optional<DimList> merged = sema::broadcastDims(value.isHostNumber() ? DimList{} : toTensor(value, range).dims, shape.dims);
        if (!merged || *merged != shape.dims)
          compileError(diag::StoreShape, range, shapeString(value.isHostNumber() ? DimList{} : toTensor(value, range).dims),
                       tensors_[target.tensor].name, shapeString(shape.dims));
        const std::string& op = builtin.op;
        DType dtype = tensors_[target.tensor].info.dtype;
        tir::Value* pointer = tensors_[target.tensor].pointer;
        result = shape;
        result.dtype = dtype;
        if (op == "cas") {
          result.value = b_->atomicCas(pointer, offsets, materialize(arg("expected"), shape.dims, dtype),
                                       materialize(value, shape.dims, dtype), mask);
        } else {
          result.value = b_->atomic(op, pointer, offsets, materialize(value, shape.dims, dtype), mask);
        }
      }
      return result;
    }
    case BR::DevicePrint: {
      DV prefix = arg("prefix");
      tir::Values values;
      for (const DV& value : rest()) values.push_back(toTensor(value, range).value);
      b_->print(prefix.host.kind == HostBinding::Kind::Str ? prefix.host.text : "", values);
      return DV{};
    }
    case BR::Print: compileError(diag::PrintInDeviceCode, range);
    case BR::Empty:
    case BR::Randn:
    case BR::Rand:
    case BR::Randint:
    case BR::NewEmpty:
    case BR::NewZeros:
    case BR::NewOnes:
    case BR::NewFull:
    case BR::RandnLike:
    case BR::TensorFromData:
    case BR::Cat:
    case BR::Stack:
    case BR::Pad:
      compileError(diag::HostAllocationInDevice, range, builtin.qualifiedName);
    // Host functions of host values, evaluated now.
    case BR::PyFloat: {
      DV x = arg("x");
      if (x.host.kind == HostBinding::Kind::Str) {
        const std::string& text = x.host.text;
        if (text == "inf" || text == "+inf") return hostFloat(INFINITY);
        if (text == "-inf") return hostFloat(-INFINITY);
        if (text == "nan") return hostFloat(NAN);
        try {
          return hostFloat(std::stod(text));
        } catch (const std::exception&) {
          compileError(diag::DeviceCallError, range, fmt::format("could not convert string to float: '{}'", text));
        }
      }
      return hostFloat(numberArg("x"));
    }
    case BR::PyInt: return hostInt(static_cast<int64_t>(numberArg("x")));
    case BR::PyBool: return hostBool(numberArg("x") != 0);
    case BR::PyAbs: {
      DV x = arg("x");
      if (x.isHostNumber()) return x.host.kind == HostBinding::Kind::Float ? hostFloat(std::fabs(x.host.floatValue)) : hostInt(std::llabs(x.host.intValue));
      return unaryOp(UnaryOp::Abs, x, range);
    }
    case BR::PyMinMax: {
      std::vector<DV> values = rest();
      if (values.size() == 1 && values[0].kind == DV::Kind::Tuple) values = values[0].items;
      if (values.empty()) compileError(diag::DeviceCallError, range, builtin.op + "() arg is an empty sequence");
      DV best = values[0];
      for (size_t i = 1; i < values.size(); ++i) {
        if (best.isHostNumber() && values[i].isHostNumber()) {
          bool better = builtin.op == "max" ? hostNumber(values[i]) > hostNumber(best) : hostNumber(values[i]) < hostNumber(best);
          if (better) best = values[i];
        } else {
          best = binaryOp(builtin.op == "max" ? BinaryOp::Maximum : BinaryOp::Minimum, best, values[i], range);
        }
      }
      return best;
    }
    case BR::Len: {
      DV x = arg("obj");
      if (x.kind == DV::Kind::Tuple) return hostInt(static_cast<int64_t>(x.items.size()));
      if (x.kind == DV::Kind::HostTensor) return hostInt(tensors_[x.tensor].info.shape.at(0));
      return hostInt(toTensor(x, range).dims.at(0).size);
    }
    case BR::MathFunction: {
      double x = numberArg("x");
      if (builtin.op == "sqrt") return hostFloat(std::sqrt(x));
      if (builtin.op == "exp") return hostFloat(std::exp(x));
      if (builtin.op == "log") return hostFloat(std::log(x));
      if (builtin.op == "ceil") return hostInt(static_cast<int64_t>(std::ceil(x)));
      return hostInt(static_cast<int64_t>(std::floor(x)));
    }
    case BR::Specialize: return arg("value");
    case BR::RegisterBlockSize: compileError(diag::RegisterBlockSizeUnsupported, range);
    default:
      compileError(diag::NotInDeviceCode, range, builtin.qualifiedName + "()");
  }
}

// ---- tiles, tensors and masks --------------------------------------------------------

DV Lowering::tileIndex(int t) {
  DV index;
  index.kind = DV::Kind::Tensor;
  index.value = tiles_[t].index;
  index.dims = {Dim::ofTile(t, tiles_[t].blockSize)};
  index.dtype = DType::Int32;
  return index;
}

DV Lowering::toTensor(const DV& value, SourceRange range) {
  switch (value.kind) {
    case DV::Kind::Tensor: return value;
    case DV::Kind::Tile: return tileIndex(value.tile);
    case DV::Kind::HostTensor: return load(value, {}, range, nullptr);
    case DV::Kind::Host:
      if (value.isHostNumber()) {
        DV scalar;
        scalar.kind = DV::Kind::Tensor;
        scalar.weak = true;
        scalar.dtype = value.host.kind == HostBinding::Kind::Float ? DType::Float32
                       : value.host.kind == HostBinding::Kind::Bool ? DType::Bool
                                                                     : DType::Int32;
        scalar.value = materialize(value, {}, scalar.dtype);
        return scalar;
      }
      compileError(diag::HostValueInDevice, range, describeHost(value.host));
    case DV::Kind::Tuple: compileError(diag::HostValueInDevice, range, "tuple");
  }
  compileError(diag::HostValueInDevice, range, "value");
}

int Lowering::tensorParam(const HostBinding& binding, const std::string& name) {
  for (size_t i = 0; i < tensors_.size(); ++i)
    if (tensors_[i].info.identity == binding.tensor.identity) return static_cast<int>(i);
  TensorParam param;
  param.name = name;
  param.info = binding.tensor;
  param.pointer = tir::addParam(*kernel_, Type::pointer(binding.tensor.dtype, binding.tensor.alignment), name);
  tensors_.push_back(param);
  return static_cast<int>(tensors_.size() - 1);
}

tir::Value* Lowering::materialize(const DV& value, const DimList& dims, DType dtype) {
  std::vector<int64_t> shape = sema::paddedShape(dims);
  if (value.kind == DV::Kind::Host) {
    Type type = dims.empty() ? Type::scalar(dtype) : Type::tile(dtype, shape);
    if (isFloating(dtype)) return b_->constant(type, hostNumber(value));
    return b_->intConstant(type, static_cast<int64_t>(hostNumber(value)));
  }
  tir::Value* v = b_->cast(value.value, dtype);
  if (dims.empty()) return v;
  if (value.dims.empty()) return b_->splat(v, shape);
  for (size_t i = value.dims.size(); i < dims.size(); ++i) v = b_->expandDims(v, 0);
  if (v->type().shape != shape) v = b_->broadcast(v, shape);
  return v;
}

// The lanes of one dim that hold real elements (1-D), or null when all do.
tir::Value* Lowering::dimValid(const Dim& dim) {
  if (dim.kind == Dim::Kind::Tile) return tiles_[dim.tile].valid;
  int64_t padded = sema::paddedSize(dim.size);
  if (padded == dim.size) return nullptr;
  return b_->binary(BinaryOp::Lt, b_->arange(0, padded), b_->splat(b_->index(dim.size), {padded}));
}

tir::Value* Lowering::placeAxis(tir::Value* vector, size_t axis, const std::vector<int64_t>& shape) {
  tir::Value* v = vector;
  for (size_t i = 0; i < axis; ++i) v = b_->expandDims(v, 0);
  for (size_t i = axis + 1; i < shape.size(); ++i) v = b_->expandDims(v, static_cast<int64_t>(i));
  return v->type().shape == shape ? v : b_->broadcast(v, shape);
}

tir::Value* Lowering::andMasks(tir::Value* a, tir::Value* b) {
  if (!a) return b;
  if (!b) return a;
  return b_->binary(BinaryOp::LogicalAnd, a, b);
}

tir::Value* Lowering::validMask(const DimList& dims) {
  std::vector<int64_t> shape = sema::paddedShape(dims);
  tir::Value* mask = nullptr;
  for (size_t i = 0; i < dims.size(); ++i)
    if (tir::Value* valid = dimValid(dims[i])) mask = andMasks(mask, placeAxis(valid, i, shape));
  return mask;
}

DV Lowering::fill(const DimList& dims, double value, DType dtype) {
  DV result;
  result.kind = DV::Kind::Tensor;
  result.dims = dims;
  result.dtype = dtype;
  result.value = materialize(hostFloat(value), dims, dtype);
  return result;
}

DimList Lowering::shapeFromList(const DV& list, SourceRange range) {
  std::vector<DV> items = list.kind == DV::Kind::Tuple ? list.items : std::vector<DV>{list};
  if (list.kind == DV::Kind::Host && list.host.kind == HostBinding::Kind::Tuple) {
    items.clear();
    for (const HostBinding& item : list.host.items) items.push_back(hostOf(item));
  }
  DimList dims;
  for (const DV& item : items) {
    if (item.kind == DV::Kind::Tile) dims.push_back(Dim::ofTile(item.tile, tiles_[item.tile].blockSize));
    else if (item.host.kind == HostBinding::Kind::Int) dims.push_back(Dim::constant(item.host.intValue));
    else compileError(diag::ShapeItem, range);
  }
  return dims;
}

std::vector<int64_t> Lowering::axesOf(const DV& value, int64_t rank, SourceRange range) {
  std::vector<int64_t> axes;
  std::vector<DV> items;
  if (value.kind == DV::Kind::Tuple) items = value.items;
  else if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::Tuple)
    for (const HostBinding& item : value.host.items) items.push_back(hostOf(item));
  else if (value.kind == DV::Kind::Host && value.host.kind == HostBinding::Kind::None)
    for (int64_t axis = 0; axis < rank; ++axis) axes.push_back(axis);
  else items.push_back(value);
  for (const DV& item : items) {
    if (item.host.kind != HostBinding::Kind::Int) compileError(diag::NotCompileTimeInt, range, "dim");
    std::optional<int64_t> axis = sema::normalizeAxis(item.host.intValue, rank);
    if (!axis) compileError(diag::AxisOutOfRange, range, item.host.intValue, rank);
    axes.push_back(*axis);
  }
  return axes;
}

// x[..., start:start+length, ...] on a register tile along `axis`: each output
// lane picks its input lane with a one-hot select and a sum.
DV Lowering::registerSlice(const DV& x, size_t axis, const DV& start, int64_t length, SourceRange range) {
  if (axis >= x.dims.size()) compileError(diag::TooManyIndices, range, "this tile", axis + 1, x.dims.size());
  if (length < 1) compileError(diag::NonConstantSliceLength, range);
  const Dim& dim = x.dims[axis];
  if (start.isHostNumber() && dim.kind == Dim::Kind::Const) {
    int64_t begin = static_cast<int64_t>(hostNumber(start));
    if (begin < 0) begin += dim.size;
    if (begin < 0 || begin + length > dim.size)
      compileError(diag::IndexOutOfRange, range, begin, axis, "this tile", dim.size);
  }
  int64_t inPadded = sema::paddedSize(dim.size);
  int64_t outPadded = sema::paddedSize(length);
  std::vector<int64_t> inShape = sema::paddedShape(x.dims);
  // [..., out, in, ...]
  std::vector<int64_t> wide = inShape;
  wide.insert(wide.begin() + static_cast<std::ptrdiff_t>(axis), outPadded);
  tir::Value* source = b_->broadcast(b_->expandDims(x.value, static_cast<int64_t>(axis)), wide);
  tir::Value* first = materialize(start, {}, DType::Int32);
  tir::Value* wanted = b_->binary(BinaryOp::Add, b_->arange(0, outPadded), b_->splat(first, {outPadded}));
  tir::Value* lanes = b_->arange(0, inPadded);
  tir::Value* oneHot = b_->binary(BinaryOp::Eq, b_->broadcast(b_->expandDims(wanted, 1), {outPadded, inPadded}),
                                  b_->broadcast(b_->expandDims(lanes, 0), {outPadded, inPadded}));
  tir::Value* mask = oneHot;
  for (size_t i = 0; i < axis; ++i) mask = b_->expandDims(mask, 0);
  for (size_t i = axis + 2; i < wide.size(); ++i) mask = b_->expandDims(mask, static_cast<int64_t>(i));
  mask = b_->broadcast(mask, wide);
  DV zero = x.dtype == DType::Bool ? hostBool(false) : hostInt(0);
  tir::Value* picked = b_->select(mask, source, b_->splat(materialize(zero, {}, x.dtype), wide));
  DV result = x;
  DType sumType = x.dtype == DType::Bool ? DType::Int32 : x.dtype;
  result.value = b_->cast(b_->reduce(ReduceOp::Sum, b_->cast(picked, sumType), static_cast<int64_t>(axis) + 1), x.dtype);
  result.dims[axis] = Dim::constant(length);
  return result;
}

DType Lowering::offsetDType(const TensorParam& param) const {
  int64_t span = 1;
  for (size_t i = 0; i < param.info.shape.size(); ++i) span += (param.info.shape[i] - 1) * std::abs(param.info.strides[i]);
  return span < (int64_t{1} << 31) ? DType::Int32 : DType::Int64;
}

std::string Lowering::shapeString(const DimList& dims) const { return sema::dimsToString(dims, tileNames()); }

std::vector<std::string> Lowering::tileNames() const {
  std::vector<std::string> names;
  for (const Tile& tile : tiles_) names.push_back(tile.name);
  return names;
}

// ---- memory --------------------------------------------------------------------------

IndexItem Lowering::evalIndexItem(const ast::Expr& item) {
  IndexItem out;
  out.range = item.range;
  if (auto* constant = ast::dynCast<ast::Constant>(&item)) {
    if (constant->valueKind == ast::ConstantKind::None) {
      out.kind = IndexItem::Kind::None;
      return out;
    }
    if (constant->valueKind == ast::ConstantKind::Ellipsis) {
      out.kind = IndexItem::Kind::Ellipsis;
      return out;
    }
  }
  if (auto* slice = ast::dynCast<ast::Slice>(&item)) {
    out.kind = IndexItem::Kind::Slice;
    if (slice->step) compileError(diag::NotInDeviceCode, slice->step->range, "a slice step in a load or store");
    if (slice->lower) out.start = eval(*slice->lower);
    if (slice->upper) out.stop = eval(*slice->upper);
    return out;
  }
  out.value = eval(item);
  return out;
}

std::vector<IndexItem> Lowering::evalIndexItems(const ast::Expr& index) {
  std::vector<IndexItem> items;
  if (auto* tuple = ast::dynCast<ast::Tuple>(&index))
    for (auto& elt : tuple->elts) items.push_back(evalIndexItem(*elt));
  else
    items.push_back(evalIndexItem(index));
  return items;
}

DV Lowering::memoryAccess(const DV& tensor, std::vector<IndexItem> items, SourceRange range, tir::Value** offsets,
                          tir::Value** mask) {
  const TensorParam& param = tensors_[tensor.tensor];
  size_t rank = param.info.shape.size();
  size_t consuming = 0;
  for (const IndexItem& item : items)
    consuming += item.kind == IndexItem::Kind::Value || item.kind == IndexItem::Kind::Slice;
  if (consuming > rank) compileError(diag::TooManyIndices, range, param.name, consuming, rank);
  // `...` and missing trailing items are whole dims.
  std::vector<IndexItem> expanded;
  for (const IndexItem& item : items) {
    if (item.kind != IndexItem::Kind::Ellipsis) {
      expanded.push_back(item);
      continue;
    }
    for (size_t i = consuming; i < rank; ++i) expanded.push_back(IndexItem{IndexItem::Kind::Slice, {}, {}, {}, item.range});
    consuming = rank;
  }
  for (size_t i = consuming; i < rank; ++i) expanded.push_back(IndexItem{IndexItem::Kind::Slice, {}, {}, {}, range});

  DType offsetType = offsetDType(param);
  struct Piece {
    tir::Value* offsets;  // scalar, or a tile of `dims`
    size_t position;      // where its dims start in the result
    size_t count;
  };
  std::vector<Piece> pieces;
  DimList dims;
  size_t axis = 0;
  for (const IndexItem& item : expanded) {
    if (item.kind == IndexItem::Kind::None) {
      dims.push_back(Dim::constant(1));
      continue;
    }
    int64_t size = param.info.shape[axis];
    int64_t stride = param.info.strides[axis];
    tir::Value* strideValue = b_->index(stride, offsetType);
    if (item.kind == IndexItem::Kind::Slice) {
      // A constant-length range of the dim. Without static shapes only a size
      // of 1 is known, so a bound taken from the size (an omitted stop, a
      // negative bound) has no compile-time value.
      auto fromSize = [](const std::optional<DV>& bound) {
        return bound && bound->isHostNumber() && hostNumber(*bound) < 0;
      };
      if (!options_.staticShapes && size != 1 && (!item.stop || fromSize(item.start) || fromSize(item.stop)))
        compileError(diag::DynamicSliceDim, item.range, axis, param.name, options_.kernelName);
      int64_t length;
      DV start = item.start.value_or(hostInt(0));
      if (start.isHostNumber() && static_cast<int64_t>(hostNumber(start)) < 0) start = hostInt(static_cast<int64_t>(hostNumber(start)) + size);
      DV stop = item.stop.value_or(hostInt(size));
      if (stop.isHostNumber() && static_cast<int64_t>(hostNumber(stop)) < 0) stop = hostInt(static_cast<int64_t>(hostNumber(stop)) + size);
      if (start.isHostNumber() && stop.isHostNumber()) {
        int64_t first = std::clamp<int64_t>(static_cast<int64_t>(hostNumber(start)), 0, size);
        int64_t last = std::clamp<int64_t>(static_cast<int64_t>(hostNumber(stop)), first, size);
        start = hostInt(first);
        length = last - first;
      } else if (start.kind == DV::Kind::Tensor && stop.kind == DV::Kind::Tensor && start.affineBase &&
                 start.affineBase == stop.affineBase) {
        length = stop.affineOffset - start.affineOffset;
      } else {
        compileError(diag::NonConstantSliceLength, item.range);
      }
      if (length < 1) compileError(diag::NonConstantSliceLength, item.range);
      int64_t padded = sema::paddedSize(length);
      tir::Value* lanes = b_->cast(b_->arange(0, padded), offsetType);
      tir::Value* first = b_->splat(materialize(start, {}, offsetType), {padded});
      pieces.push_back({b_->binary(BinaryOp::Mul, b_->binary(BinaryOp::Add, lanes, first), b_->splat(strideValue, {padded})),
                        dims.size(), 1});
      dims.push_back(Dim::constant(length));
      ++axis;
      continue;
    }
    const DV& value = item.value;
    if (value.isHostNumber()) {
      if (value.host.kind == HostBinding::Kind::Float) compileError(diag::IndexNotInteger, item.range, "float");
      int64_t index = static_cast<int64_t>(hostNumber(value));
      int64_t normalized = index < 0 ? index + size : index;
      if (normalized < 0 || normalized >= size)
        compileError(diag::IndexOutOfRange, item.range, index, axis, param.name, size);
      pieces.push_back({b_->index(normalized * stride, offsetType), dims.size(), 0});
      ++axis;
      continue;
    }
    DV index = toTensor(value, item.range);
    if (!isIntegral(index.dtype, false)) compileError(diag::IndexNotInteger, item.range, std::string(dtypeName(index.dtype)));
    tir::Value* contribution = b_->cast(index.value, offsetType);
    contribution = b_->binary(BinaryOp::Mul, contribution,
                              index.dims.empty() ? strideValue : b_->splat(strideValue, sema::paddedShape(index.dims)));
    pieces.push_back({contribution, dims.size(), index.dims.size()});
    for (const Dim& dim : index.dims) dims.push_back(dim);
    ++axis;
  }
  // Sum the pieces, each placed at its dims in the result.
  std::vector<int64_t> shape = sema::paddedShape(dims);
  tir::Value* total = nullptr;
  for (const Piece& piece : pieces) {
    tir::Value* placed = piece.offsets;
    if (!shape.empty()) {
      if (piece.count == 0) {
        placed = b_->splat(placed, shape);
      } else {
        for (size_t i = 0; i < piece.position; ++i) placed = b_->expandDims(placed, 0);
        for (size_t i = piece.position + piece.count; i < shape.size(); ++i) placed = b_->expandDims(placed, static_cast<int64_t>(i));
        if (placed->type().shape != shape) placed = b_->broadcast(placed, shape);
      }
    }
    total = total ? b_->binary(BinaryOp::Add, total, placed) : placed;
  }
  if (!total) total = shape.empty() ? b_->index(0, offsetType) : b_->intConstant(Type::tile(offsetType, shape), 0);
  *offsets = total;
  *mask = validMask(dims);
  DV access;
  access.kind = DV::Kind::Tensor;
  access.dims = dims;
  access.dtype = param.info.dtype;
  return access;
}

DV Lowering::load(const DV& tensor, const std::vector<IndexItem>& items, SourceRange range, tir::Value* extraMask) {
  tir::Value* offsets = nullptr;
  tir::Value* mask = nullptr;
  DV result = memoryAccess(tensor, items, range, &offsets, &mask);
  mask = andMasks(mask, extraMask);
  SourceRange saved = b_->location();
  b_->setLocation(range);
  result.value = b_->load(tensors_[tensor.tensor].pointer, offsets, mask);
  b_->setLocation(saved);
  return result;
}

void Lowering::store(const DV& tensor, const std::vector<IndexItem>& items, const DV& value0, SourceRange range,
                     tir::Value* extraMask) {
  tir::Value* offsets = nullptr;
  tir::Value* mask = nullptr;
  DV target = memoryAccess(tensor, items, range, &offsets, &mask);
  DV value = value0.isHostNumber() ? value0 : toTensor(value0, range);
  DimList valueDims = value.isHostNumber() ? DimList{} : value.dims;
  std::optional<DimList> merged = sema::broadcastDims(valueDims, target.dims);
  if (!merged || *merged != target.dims)
    compileError(diag::StoreShape, range, shapeString(valueDims), tensors_[tensor.tensor].name, shapeString(target.dims));
  tir::Value* stored = materialize(value, target.dims, target.dtype);
  SourceRange saved = b_->location();
  b_->setLocation(range);
  b_->store(tensors_[tensor.tensor].pointer, offsets, stored, andMasks(mask, extraMask));
  b_->setLocation(saved);
}

// ---- reductions and matrix products --------------------------------------------------

tir::Value* Lowering::reduceIdentity(ReduceOp op, DType dtype, const std::vector<int64_t>& shape) {
  ReduceOp of = op == ReduceOp::ArgMax ? ReduceOp::Max : op == ReduceOp::ArgMin ? ReduceOp::Min : op;
  Type type = Type::tile(dtype, shape);
  return visitDType(dtype, [&](auto tag) -> tir::Value* {
    using T = scalar::OpMath<typename decltype(tag)::type>;
    return withReduceOp(of, [&](auto opTag) -> tir::Value* {
      constexpr ReduceOp kOp = decltype(opTag)::value;
      if constexpr (kOp == ReduceOp::ArgMax || kOp == ReduceOp::ArgMin) {
        throw std::logic_error("index reductions have no identity of their own");
      } else {
        T identity = scalar::reduceIdentity<kOp, T>();
        if constexpr (scalar::kIsFloat<T>) return b_->constant(type, static_cast<double>(identity));
        else return b_->intConstant(type, static_cast<int64_t>(identity));
      }
    });
  });
}

DV Lowering::reduce(ReduceOp op, const DV& x0, std::vector<int64_t> axes, bool keepdim, SourceRange range) {
  DV x = toTensor(x0, range);
  if (x.dims.empty()) return x;
  std::optional<DType> resultType = reduceResultDType(opInfo(op).rule, x.dtype);
  if (!resultType) compileError(diag::OpNotForDType, range, opInfo(op).name, dtypeName(x.dtype));
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  bool isMean = op == ReduceOp::Mean;
  ReduceOp irOp = isMean ? ReduceOp::Sum : op;
  bool isIndex = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
  DType compute = isIndex ? x.dtype : *resultType;
  tir::Value* value = b_->cast(x.value, compute);
  // The number of real elements reduced, for mean.
  tir::Value* count = nullptr;
  DimList dims = x.dims;
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    int64_t axis = *it;
    std::vector<int64_t> shape = sema::paddedShape(dims);
    if (tir::Value* valid = dimValid(dims[axis])) {
      tir::Value* fillValue = reduceIdentity(irOp, compute, shape);
      value = b_->select(placeAxis(valid, static_cast<size_t>(axis), shape), value, fillValue);
      if (isMean) {
        tir::Value* realLanes = b_->reduce(ReduceOp::Sum, b_->cast(valid, compute), 0);
        count = count ? b_->binary(BinaryOp::Mul, count, realLanes) : realLanes;
      }
    } else if (isMean) {
      tir::Value* lanes = b_->constant(Type::scalar(compute), static_cast<double>(dims[axis].size));
      count = count ? b_->binary(BinaryOp::Mul, count, lanes) : lanes;
    }
    value = b_->reduce(irOp, value, axis);
    dims.erase(dims.begin() + axis);
    if (keepdim) {
      value = dims.empty() ? b_->splat(value, {1}) : b_->expandDims(value, axis);
      dims.insert(dims.begin() + axis, Dim::constant(1));
    }
  }
  DV result;
  result.kind = DV::Kind::Tensor;
  result.dims = dims;
  result.dtype = isIndex ? DType::Int64 : *resultType;
  if (isMean) {
    std::vector<int64_t> shape = sema::paddedShape(dims);
    value = b_->binary(BinaryOp::Div, value, shape.empty() ? count : b_->splat(count, shape));
  }
  result.value = b_->cast(value, result.dtype);
  return result;
}

DV Lowering::matmul(const DV& a0, const DV& b0, const DV* acc, std::optional<DType> outDType, SourceRange range) {
  DV a = toTensor(a0, range), b = toTensor(b0, range);
  size_t rank = a.dims.size();
  if ((rank != 2 && rank != 3) || b.dims.size() != rank)
    compileError(diag::MatmulRank, range, shapeString(a.dims), shapeString(b.dims));
  if (a.dims[rank - 1] != b.dims[rank - 2] || (rank == 3 && a.dims[0] != b.dims[0]))
    compileError(diag::MatmulShapes, range, shapeString(a.dims), shapeString(b.dims));
  DType input = promoteTypes(a.dtype, b.dtype);
  DimList dims = a.dims;
  dims[rank - 1] = b.dims[rank - 1];
  DType accType = acc ? acc->dtype
                      : outDType.value_or(isFloating(input) ? DType::Float32 : DType::Int32);
  if (input == DType::Float64) accType = acc ? acc->dtype : DType::Float64;
  tir::Value* left = materialize(a, a.dims, input);
  tir::Value* right = materialize(b, b.dims, input);
  // Lanes of K that are not real must add nothing.
  if (tir::Value* valid = dimValid(a.dims[rank - 1])) {
    std::vector<int64_t> leftShape = sema::paddedShape(a.dims), rightShape = sema::paddedShape(b.dims);
    left = b_->select(placeAxis(valid, rank - 1, leftShape), left, b_->constant(Type::tile(input, leftShape), 0));
    right = b_->select(placeAxis(valid, rank - 2, rightShape), right, b_->constant(Type::tile(input, rightShape), 0));
  }
  tir::Value* accValue;
  if (acc) {
    std::optional<DimList> merged = sema::broadcastDims(acc->dims, dims);
    if (!merged || *merged != dims) compileError(diag::CannotBroadcast, range, shapeString(acc->dims), shapeString(dims));
    accValue = materialize(*acc, dims, accType);
  } else {
    accValue = materialize(hostFloat(0), dims, accType);
  }
  DV result;
  result.kind = DV::Kind::Tensor;
  result.dims = dims;
  result.dtype = accType;
  result.value = b_->dot(left, right, accValue, options_.dotPrecision);
  // torch.matmul of 16-bit inputs returns their dtype; hl.dot returns out_dtype.
  DType wanted = acc ? accType : outDType.value_or(input == DType::Float16 || input == DType::BFloat16 ? input : accType);
  if (wanted != accType) {
    result.value = b_->cast(result.value, wanted);
    result.dtype = wanted;
  }
  return result;
}

}  // namespace

LoweredLoop lowerDeviceLoop(const ast::For& loop, sema::HostEnvironment& env, const DeviceLoopOptions& options) {
  Lowering lowering(env, options);
  return lowering.run(loop);
}

}  // namespace hel::lower
