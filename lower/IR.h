// The tile IR: what `lower/` produces from a typed device loop and what the
// backends (backend/cpu, backend/nvptx) consume.
//
// A Module holds Kernels; a Kernel is one device loop, specialized: scalar and
// pointer parameters, a launch grid, and a body Block of SSA Ops. Values are
// scalars (`f32`, `i32`, ...), pointers (`ptr<f32>`) or tiles: tensors with a
// static shape (`<32x64xf32>`), since block sizes are fixed by the Config.
// Element types print as `i1 i8 i16 i32 i64 u8 f16 bf16 f32 f64`.
//
// Memory is addressed Triton-style: a load takes a base pointer, a tile of
// element offsets and a tile of i1 mask bits (false lanes read `other` and touch
// no memory). Keeping whole-tile offsets makes gathers ordinary and leaves
// vectorization to an analysis of the offsets (contiguity, divisibility).
//
// Every op has one textual form (see IRPrinter.h / IRParser.h), generic:
//
//   %results = opname %operands {attributes} : result-types {regions}
//
//   %5 = add %3, %4 : <32xf32>
//   %6 = reduce %5 {op = "sum", axis = 0} : f32
//   %a2, %b2 = for %lo, %hi, %step, %a0, %b0 : <32xf32>, <32xf32> {
//   ^bb(%iv: i32, %a: <32xf32>, %b: <32xf32>):
//     ...
//     yield %a1, %b1
//   }
//
// Operand types are not printed: every value is defined before its uses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "support/DType.h"
#include "support/Source.h"

namespace hel::tir {

// ---- types ----------------------------------------------------------------

struct Type {
  enum class Kind { Scalar, Tile, Pointer };
  Kind kind = Kind::Scalar;
  DType dtype = DType::Float32;  // element type; the pointee for pointers
  std::vector<int64_t> shape;    // tiles only; every dim >= 1
  // Pointers only: bytes the address is known to be a multiple of (a power of
  // two), from the tensor the kernel was specialized for; 0 when only the
  // pointee's own alignment is known. Vector loads and stores rely on it.
  int64_t alignment = 0;

  static Type scalar(DType dtype) { return {Kind::Scalar, dtype, {}}; }
  static Type tile(DType dtype, std::vector<int64_t> shape) { return {Kind::Tile, dtype, std::move(shape)}; }
  static Type pointer(DType pointee, int64_t alignment = 0) { return {Kind::Pointer, pointee, {}, alignment}; }

  bool isScalar() const { return kind == Kind::Scalar; }
  bool isTile() const { return kind == Kind::Tile; }
  bool isPointer() const { return kind == Kind::Pointer; }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numElements() const;
  // The same shape (or scalar-ness) with another element type.
  Type withDType(DType other) const { return {kind, other, shape, alignment}; }

  bool operator==(const Type& other) const {
    return kind == other.kind && dtype == other.dtype && shape == other.shape && alignment == other.alignment;
  }
  bool operator!=(const Type& other) const { return !(*this == other); }
};

std::string toString(const Type& type);

// The IR's spelling of a dtype (`f32`, `i1`, `u8`, ...) and back; false for an
// unknown name.
const char* irName(DType dtype);
bool parseIRDType(std::string_view text, DType* dtype);

// ---- ops ------------------------------------------------------------------

// Every op kind, with its textual name. Elementwise math is `unary`/`binary`
// ops whose `op` attribute names an entry of support/Ops.def; they print under
// that name (`%y = exp %x`).
//
// Operand and result rules (the Verifier enforces them; T is a scalar or a tile
// type, "same shape" treats a scalar as shape []). Pointers are kernel
// parameters, used only as the first operand of load, store and atomic.
//   const        {value: int or float}            -> scalar, or a tile (a splat);
//                i1 values are 0/1, floats of any width keep a double
//   program_id   {axis}                           -> i32 in [0, grid programs along axis)
//   num_programs {axis}                           -> i32
//   arange       {start, end}                     -> <(end-start) x i32>, end > start
//   splat        scalar                           -> tile of its dtype, any shape
//   broadcast    tile                             -> tile of the same rank and dtype,
//                                                    each dim equal or 1 -> n
//   expand_dims  tile {axis}                      -> a size-1 dim at axis in [0, rank]
//   reshape      tile                             -> tile, same dtype and element count
//   permute      tile {order}                     -> dims reordered: result dim i = order[i]
//   unary        T {op}                           -> T; predicates (isnan, isinf) -> T of i1
//   binary       T, T {op}                        -> T (scalar-scalar too, for index math);
//                                                    comparisons -> T of i1
//   cast         T                                -> same shape, the result's dtype
//   select       c, a, b                          -> a's type; a, b the same type,
//                                                    c i1 of a's shape or a scalar i1
//   load         ptr, offsets [, mask [, other]]  -> the pointee at offsets' shape;
//                offsets i32/i64 (scalar or tile), mask i1 of the offsets' shape,
//                other of the result type (0 when absent)
//   store        ptr, offsets, value [, mask]     -> nothing; value of the pointee
//                                                    at offsets' shape
//   atomic       ptr, offsets, [cmp,] value [, mask] {op} -> old values, value's type;
//                op in add max min and or xor xchg cas (cas takes cmp)
//   reduce       T {op, axis}                     -> T without the axis (rank 1 -> scalar);
//                argmax/argmin -> i64. No mask: lowering selects the op's identity
//                into masked lanes first. Combines along the axis in index order.
//   scan         tile {op, axis}                  -> same type; inclusive
//   dot          a, b, acc {precision}            -> acc's type; <MxK> @ <KxN> + <MxN>,
//                or batched <BxMxK> @ <BxKxN> + <BxMxN>; a, b the same dtype
//                (not i1), acc floating exactly when they are;
//                precision "ieee" | "tf32" | "tf32x3"
//   for          lo, hi, step, inits...           -> the inits' types; lo, hi, step the
//                same integer scalar type, step > 0; one region whose block arguments
//                are (iv, iter values...) and which ends in `yield` of the iter types
//   if           cond                             -> the yields' types; cond a scalar
//                i1; a then and an else region (no block arguments), both ending
//                in `yield` of the result types
//   yield        values...                        -> ends a for/if region
//   combine_splits group, index, values... {groups, splits}
//                                                 -> i1, the values' types; group and
//                index i32 scalars. The programs holding split `index` (0 ..
//                splits-1) of group `group` (0 .. groups-1) of a sum: each
//                stores its values, and the one that comes last in its group
//                gets true and the sums of the group's values, added in index
//                order; the others get false (and their own values). Memory:
//                the kernel's own (a slot per split, a count per group), reset
//                by each last program for the next launch.
//   print        values... {format}               -> device_print: the format, then
//                                                    each value
//   return                                        -> ends the kernel body, no operands
// Effects: load reads memory; store, atomic, combine_splits and print have side
// effects; for and if have those of their regions; every other op is pure.
#define HEL_TIR_OPS(X)                                                       \
  X(Constant, "const")           /* {value} : scalar or tile (a splat)    */ \
  X(ProgramId, "program_id")     /* {axis} : i32                          */ \
  X(NumPrograms, "num_programs") /* {axis} : i32                          */ \
  X(Arange, "arange")            /* {start, end} : <(end-start) x i32>    */ \
  X(Splat, "splat")              /* scalar -> tile                        */ \
  X(Broadcast, "broadcast")      /* size-1 dims -> the result's sizes     */ \
  X(ExpandDims, "expand_dims")   /* {axis}: a new size-1 dim             */ \
  X(Reshape, "reshape")          /* same element count, row-major        */ \
  X(Permute, "permute")          /* {order}                               */ \
  X(Unary, "unary")              /* {op}: elementwise, support/Ops.def    */ \
  X(Binary, "binary")            /* {op}: same shapes and dtypes          */ \
  X(Cast, "cast")                /* to the result's dtype                 */ \
  X(Select, "select")            /* cond ? a : b, elementwise             */ \
  X(Load, "load")                /* ptr, offsets, mask, other -> tile     */ \
  X(Store, "store")              /* ptr, offsets, value, mask             */ \
  X(Atomic, "atomic")            /* {op} ptr, offsets, value, mask -> old */ \
  X(Reduce, "reduce")            /* {op, axis}: drops the axis            */ \
  X(Scan, "scan")                /* {op, axis}: inclusive, same shape     */ \
  X(Dot, "dot")                  /* a, b, acc: [..]MxK @ [..]KxN + acc     */ \
  X(For, "for")                  /* lo, hi, step, inits...; region        */ \
  X(If, "if")                    /* cond; then and else regions           */ \
  X(CombineSplits, "combine_splits") /* {groups, splits} group, index, values... */ \
  X(Yield, "yield")              /* ends a for/if region                  */ \
  X(Print, "print")              /* {format} values...: device_print      */ \
  X(Return, "return")            /* ends a kernel                         */

enum class OpKind {
#define HEL_TIR_OP_ENUM(name, text) name,
  HEL_TIR_OPS(HEL_TIR_OP_ENUM)
#undef HEL_TIR_OP_ENUM
};

const char* opKindName(OpKind kind);

// An attribute value: an integer, a float, a string, or a list of integers.
using Attribute = std::variant<int64_t, double, std::string, std::vector<int64_t>>;

struct NamedAttribute {
  std::string name;
  Attribute value;
};

class Op;
class Block;

class Value {
 public:
  Value(Type type, Op* definingOp, Block* ownerBlock, unsigned index)
      : type_(std::move(type)), definingOp_(definingOp), ownerBlock_(ownerBlock), index_(index) {}

  const Type& type() const { return type_; }
  void setType(Type type) { type_ = std::move(type); }
  // The op whose result this is, or null for a block argument.
  Op* definingOp() const { return definingOp_; }
  // The block that defines it: the owner of an argument, the parent of an op.
  Block* parentBlock() const;
  // The block whose argument this is, or null for an op result.
  Block* ownerBlock() const { return ownerBlock_; }
  unsigned index() const { return index_; }
  // A readable name hint for printing (`%x`, `%acc`); empty for a number.
  const std::string& nameHint() const { return nameHint_; }
  void setNameHint(std::string hint) { nameHint_ = std::move(hint); }

 private:
  Type type_;
  Op* definingOp_;
  Block* ownerBlock_;
  unsigned index_;
  std::string nameHint_;
};

class Region;

class Op {
 public:
  Op(OpKind kind, std::vector<Value*> operands, const std::vector<Type>& resultTypes);

  OpKind kind() const { return kind_; }
  const std::vector<Value*>& operands() const { return operands_; }
  Value* operand(size_t i) const { return operands_.at(i); }
  void setOperand(size_t i, Value* value) { operands_.at(i) = value; }
  void setOperands(std::vector<Value*> operands) { operands_ = std::move(operands); }
  size_t numResults() const { return results_.size(); }
  Value* result(size_t i = 0) const { return results_.at(i).get(); }
  // A new last result (a `for` that gains an iter value).
  Value* addResult(Type type);

  const std::vector<NamedAttribute>& attributes() const { return attributes_; }
  void setAttribute(const std::string& name, Attribute value);
  const Attribute* findAttribute(const std::string& name) const;
  int64_t intAttr(const std::string& name) const;
  double floatAttr(const std::string& name) const;
  const std::string& stringAttr(const std::string& name) const;
  const std::vector<int64_t>& intsAttr(const std::string& name) const;

  std::vector<std::unique_ptr<Region>>& regions() { return regions_; }
  const std::vector<std::unique_ptr<Region>>& regions() const { return regions_; }
  Region& addRegion();

  Block* parentBlock() const { return parent_; }
  void setParentBlock(Block* block) { parent_ = block; }

  // Where in the .hel source this op came from (for run-time errors).
  SourceRange location;

 private:
  OpKind kind_;
  std::vector<Value*> operands_;
  std::vector<std::unique_ptr<Value>> results_;
  std::vector<NamedAttribute> attributes_;
  std::vector<std::unique_ptr<Region>> regions_;
  Block* parent_ = nullptr;
};

class Block {
 public:
  Value* addArgument(Type type);
  const std::vector<std::unique_ptr<Value>>& arguments() const { return arguments_; }
  Value* argument(size_t i) const { return arguments_.at(i).get(); }

  std::vector<std::unique_ptr<Op>>& ops() { return ops_; }
  const std::vector<std::unique_ptr<Op>>& ops() const { return ops_; }
  // Appends (or inserts before `position`) and takes ownership.
  Op* append(std::unique_ptr<Op> op);
  Op* insert(size_t position, std::unique_ptr<Op> op);

  Region* parentRegion() const { return parent_; }
  void setParentRegion(Region* region) { parent_ = region; }
  // The op owning this block's region; null for a kernel body.
  Op* parentOp() const;
  // Whether this block is `block` or nested (through regions) inside it.
  bool isInside(const Block& block) const;

 private:
  std::vector<std::unique_ptr<Value>> arguments_;
  std::vector<std::unique_ptr<Op>> ops_;
  Region* parent_ = nullptr;
};

class Region {
 public:
  explicit Region(Op* parent) : parent_(parent) { body_.setParentRegion(this); }
  Block& body() { return body_; }
  const Block& body() const { return body_; }
  Op* parentOp() const { return parent_; }

 private:
  Op* parent_;
  Block body_;
};

// ---- kernels --------------------------------------------------------------

// How a kernel is launched: the grid axes and the Config knobs that shape the
// code. The grid's program count along each axis is ceil(extent / block); an
// extent is a constant or a scalar parameter (for sizes not specialized).
struct GridAxis {
  int64_t extent = 1;       // used when extentParam < 0
  int extentParam = -1;     // index of a scalar parameter holding the extent
  int64_t blockSize = 1;

  // The programs along the axis for an extent of `extentValue` (the axis's
  // own, or its parameter's value): one per block, the last one partial.
  int64_t programsFor(int64_t extentValue) const { return (extentValue + blockSize - 1) / blockSize; }
};

// Config.pid_type's values: Helion's, and "split_tail" (LowerDeviceLoop.h).
const std::vector<std::string>& pidTypes();
bool isPidType(const std::string& name);

struct LaunchConfig {
  std::vector<GridAxis> grid;
  int64_t numWarps = 4;
  int64_t numStages = 1;
  std::string pidType = "flat";
  // Config.indexing: "pointer" keeps loads on per-thread addresses; otherwise
  // ("", unset, or "block_ptr" / "tensor_descriptor") the GPU backend copies
  // the tiles of box-shaped loads with TMA where the target has it.
  std::string indexing;
};

struct Kernel {
  std::string name;
  Block body;  // its arguments are the parameters; ends with `return`
  LaunchConfig launch;
  SourceRange location;

  Value* param(size_t i) const { return body.argument(i); }
  size_t numParams() const { return body.arguments().size(); }
};

struct Module {
  std::vector<std::unique_ptr<Kernel>> kernels;
};

// Effects (see the op table): whether an op writes memory or prints, itself or
// inside its regions, and whether it is pure (no effect, not even a read).
bool hasSideEffects(const Op& op);
bool isPure(const Op& op);

// Walks every op of a block and its nested regions, parents before children.
template <typename Fn>
void walk(Block& block, const Fn& fn) {
  for (auto& op : block.ops()) {
    fn(*op);
    for (auto& region : op->regions()) walk(region->body(), fn);
  }
}
template <typename Fn>
void walk(const Block& block, const Fn& fn) {
  for (const auto& op : block.ops()) {
    fn(static_cast<const Op&>(*op));
    for (const auto& region : op->regions()) walk(static_cast<const Block&>(region->body()), fn);
  }
}

// The pointer parameters that stores or atomics write through (a tensor the
// kernel only reads may be read through the read-only path, or ahead of time).
std::unordered_set<const Value*> writtenPointers(const Kernel& kernel);
// The most elements of any tile value of the kernel; 1 without tiles.
int64_t largestTile(const Kernel& kernel);
// The permute order of a rank-`rank` tile that swaps its last two dims (a
// matrix's transpose, batch dims kept).
std::vector<int64_t> lastTwoDimsSwapped(size_t rank);
// A dot's precision ("ieee", "tf32" or "tf32x3") where both its operands are
// f32; empty otherwise (for other operand types the precision changes nothing).
std::string f32DotPrecision(const Op& dot);
// Whether a dot takes its f32 operands as tf32 (dot_precision="tf32").
bool readsInputsAsTf32(const Op& dot);

}  // namespace hel::tir
