// One tile IR kernel to one LLVM function (private to backend/nvptx).
//
// Each tile value lives in the layout LayoutAssignment chose for it, as one
// LLVM value per register slot of each thread (Slots); a scalar is one LLVM
// value that every thread computes alike. The code is split by what it does:
// KernelCodegen.cpp walks the ops and keeps values and layouts, Math.cpp is
// elementwise arithmetic, Memory.cpp loads, stores and atomics, and
// Collective.cpp what moves elements between threads (layout conversions,
// reductions, scans, dot).
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <array>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backend/nvptx/Codegen.h"
#include "backend/nvptx/Layout.h"
#include "backend/nvptx/LayoutAssignment.h"
#include "lower/AxisInfo.h"
#include "lower/BoxAccess.h"
#include "support/Ops.h"
#include "support/PtxNotes.h"

namespace hel::nvptx {

[[noreturn]] void unsupported(const tir::Op& op, const std::string& what);

// A tile in one thread: slot k holds the element whose index has register bits k.
using Slots = std::vector<llvm::Value*>;

constexpr int64_t kChunkBytes = 16;         // what one lane of ldmatrix reads: eight 16-bit elements
constexpr int64_t kPanelBytes = 128;        // the widest swizzle pattern's rows
constexpr int64_t kMaxTensorBoxRows = 256;  // a TMA box's limit along each dim

class KernelCodegen {
 public:
  KernelCodegen(const tir::Kernel& kernel, llvm::Module& module, const Target& target);

  void emit();
  int64_t threads() const { return int64_t{1} << threadBits_; }
  int64_t sharedBytes() const {
    return std::max(idleSharedBytes_, sharedBytes_ ? scratchBase_ + sharedBytes_ : scratchBase_);
  }
  // The tensor maps the kernel takes after its own parameters (TMA copies).
  const std::vector<TensorMap>& tensorMaps() const { return tensorMaps_; }
  // The -O level ptxas should assemble the kernel at: 1 where its dots are
  // blocked FMA dots only (FmaDot.cpp says why), else its default.
  int ptxasOptimization() const;

 private:
  // ---- types (KernelCodegen.cpp) ----
  llvm::Type* elementType(DType dtype) const;
  llvm::Type* memoryType(DType dtype) const;  // i1 is a byte in memory
  int64_t bytesOf(DType dtype) const;  // in memory
  // How many programs ptxas should leave room for on one SM (registers):
  // the launch bound minctasm, where more than one.
  int programsPerMultiprocessor() const;
  llvm::Value* constantOf(DType dtype, const tir::Attribute& value);

  // ---- values and layouts (KernelCodegen.cpp) ----
  llvm::Value* scalar(const tir::Value* value) const { return scalars_.at(value); }
  // `value` (a tile) in `layout`: as computed when that is its layout, else
  // recomputed (rematerialized) or converted through shared memory.
  Slots get(const tir::Value* value, const Layout& layout);
  // A pure op's result computed in `layout` (elementwise, shape ops, constants).
  Slots compute(const tir::Op& op, const Layout& layout);
  // The element index bits that the thread id contributes in `layout`.
  llvm::Value* threadElementBits(const Layout& layout);
  // The coordinate along `dim` of each slot's element.
  Slots coordinate(const Layout& layout, const std::vector<int64_t>& shape, size_t dim);
  // An i1 that is false in threads that hold copies in `layout`; null when none do.
  llvm::Value* ownsElements(const Layout& layout);

  // ---- ops (KernelCodegen.cpp) ----
  void emitBlock(const tir::Block& block);
  void emitOp(const tir::Op& op);
  void emitScalar(const tir::Op& op);
  void emitFor(const tir::Op& op);
  void emitIf(const tir::Op& op);
  void define(const tir::Value* value, Slots slots);

  // ---- elementwise (Math.cpp) ----
  llvm::Value* unary(const tir::Op& op, UnaryOp kind, DType dtype, llvm::Value* x);
  llvm::Value* binary(const tir::Op& op, BinaryOp kind, DType dtype, llvm::Value* a, llvm::Value* c);
  llvm::Value* cast(llvm::Value* x, DType from, DType to);
  // `result` (an add, sub or mul of `dtype`) with LLVM's contract flag where
  // dtype is f32 or f64: it may fuse into an FMA.
  llvm::Value* contractible(llvm::Value* result, DType dtype);
  llvm::Value* elementwise(const tir::Op& op, const std::vector<llvm::Value*>& operands);
  llvm::Value* toFloat(llvm::Value* x, DType dtype);    // f16/bf16 -> f32
  llvm::Value* fromFloat(llvm::Value* x, DType dtype);  // f32 -> f16/bf16
  llvm::Value* approxExp2(llvm::Value* x);
  llvm::Value* exp(llvm::Value* x);
  llvm::Value* tanh(llvm::Value* x);
  llvm::Value* erf(llvm::Value* x);
  llvm::Value* log1p(llvm::Value* x);
  llvm::Value* divide(llvm::Value* x, llvm::Value* y);
  llvm::Value* atan2(llvm::Value* y, llvm::Value* x);
  // c[0] + z (c[1] + z (c[2] + ...)), in f32.
  llvm::Value* polynomial(llvm::Value* z, std::initializer_list<double> coefficients);

  // ---- memory (Memory.cpp) ----
  void memoryOp(const tir::Op& op);
  // How many consecutive slots one access may cover.
  int64_t vectorWidth(const tir::Op& op, const Layout& layout, const tir::Value* mask);
  std::vector<llvm::Value*> loadVector(llvm::Value* address, DType dtype, int64_t width, llvm::Value* on,
                          const std::vector<llvm::Value*>& others, bool readOnly);
  void storeVector(llvm::Value* address, DType dtype, const std::vector<llvm::Value*>& values, llvm::Value* on);
  // Elements of a predicated access as the words of a PTX vector (at most
  // four: eight 16-bit elements go as four pairs), and back.
  std::vector<llvm::Value*> memoryWords(const std::vector<llvm::Value*>& elements, llvm::Type* stored);
  std::vector<llvm::Value*> fromMemoryWord(llvm::Value* word, llvm::Type* stored, int64_t perWord);
  // Whether all of shared memory is free where `op` runs: at the kernel's top
  // level (or in an `if` there, whose condition all threads share), after
  // every loop with rings (whose last copies it waited for).
  bool sharedMemoryIdleAt(const tir::Op& op) const;
  // A store's value in `coalesced`, moved there through shared memory (from
  // offset 0), where its own layout `own` stores narrower vectors of under 8
  // bytes (a dot's f16 accumulator: two elements of a row a thread) and shared
  // memory is idle: whole, coalesced global stores, as Triton's epilogue
  // makes. Else none.
  std::optional<Slots> storedThroughShared(const tir::Op& store, const Layout& own, const Layout& coalesced);
  llvm::Value* atomic(const tir::Op& op, llvm::Value* address, llvm::Value* compare, llvm::Value* value);
  // Runs `body` only where `condition` holds; returns its value, or `otherwise`.
  llvm::Value* guarded(llvm::Value* condition, llvm::Type* type, llvm::Value* otherwise,
                       const std::function<llvm::Value*()>& body);

  // ---- across threads (Collective.cpp) ----
  void barrier();
  // Where the scratch space (past the rings) is `byteOffset` bytes on.
  llvm::Value* scratchAddress(int64_t byteOffset);
  llvm::Value* sharedAddress(int64_t byteOffset, llvm::Value* index, DType dtype);
  llvm::Value* readShared(int64_t byteOffset, llvm::Value* index, DType dtype);
  void writeShared(int64_t byteOffset, llvm::Value* index, DType dtype, llvm::Value* element);
  // Writes a tile held in `layout` to shared memory at `byteOffset`, row-major.
  void spill(const Slots& slots, const Layout& layout, const tir::Type& type, int64_t byteOffset);
  // Every element index of `layout`'s slots in this thread.
  Slots elementIndices(const Layout& layout);
  // Each value in its layout, as get() gives them, with one barrier pair for
  // all of those that go through shared memory.
  std::vector<Slots> getTogether(const std::vector<std::pair<const tir::Value*, Layout>>& requests);
  llvm::Value* shuffleXor(llvm::Value* value, int laneMask);
  void reduce(const tir::Op& op);
  void scan(const tir::Op& op);
  // ---- dots on FMAs (FmaDot.cpp) ----
  void dot(const tir::Op& op);
  // An f32 dot on FMAs, each thread a block of the accumulator (`layout`,
  // fmaDotLayout), both operands read from shared memory in vectors.
  void blockedFmaDot(const tir::Op& op, const Layout& layout);
  // A blocked dot's accumulators `acc` (in its `layout`) after its K loop,
  // passed through shared memory so that ptxas keeps them, in the loop, in
  // registers of the other bank than the elements of b they meet.
  Slots rebankAccumulators(const tir::Op& dot, const Layout& layout, const Slots& acc);
  // ---- split_tail's sums (CombineSplits.cpp) ----
  void combineSplits(const tir::Op& op);
  // ---- tensor cores (TensorCore.cpp) ----
  void tensorCoreDot(const tir::Op& op, const MmaLayouts& layouts);
  // The address of element `element` (row-major index) of a 2-D tile of
  // `shape` at `tile` in shared memory: in panels of at most 128 bytes a row,
  // each row-major with its 16-byte chunks swizzled by row.
  llvm::Value* swizzledAddress(llvm::Value* tile, llvm::Value* element, const std::vector<int64_t>& shape,
                               int64_t elementBytes);
  // The row-major index, in the matrix's transpose, of element `element` of a matrix of `shape`.
  llvm::Value* transposedIndex(llvm::Value* element, const std::vector<int64_t>& shape);
  // The address of element `element` of a row-major 2-D tile at `tile`.
  llvm::Value* rowMajorAddress(llvm::Value* tile, llvm::Value* element, int64_t elementBytes);
  // A shared-memory address as the 32-bit operand PTX instructions on .shared take.
  llvm::Value* sharedAddress32(llvm::Value* address);
  // Scratch memory for `bytes` at `byteOffset` (counted in sharedBytes).
  llvm::Value* scratchTile(int64_t byteOffset, int64_t bytes);
  // Writes a 2-D tile held in `layout` to shared memory at `tile`, swizzled
  // row-major (its transpose, `transpose`), with vector stores.
  void stageSwizzled(const Slots& slots, const Layout& layout, const tir::Type& type, llvm::Value* tile,
                     bool transpose = false);
  // The shared-memory tiles of the dot's operands that `wanted` marks (a, b;
  // null for the others): ring slots as they are, the others staged swizzled
  // into scratch memory at multiples of `alignment`, between barriers (after
  // a proxy fence `forAsyncProxy`, for wgmma's reads); b transposed (K-major)
  // where `transposeB`; with `buffer` (0 or 1), in that one of two buffers each.
  std::array<llvm::Value*, 2> operandTiles(const tir::Op& dot, std::array<bool, 2> wanted, int64_t alignment,
                                           bool forAsyncProxy, bool transposeB = false, llvm::Value* buffer = nullptr);
  // The dot with wgmma (sm_90a): b in shared memory, read through a
  // descriptor; a too, or from registers where it is in their layout.
  // Swapped (tf32): the transposed product, b's fragments from registers
  // and a through a descriptor.
  void warpGroupDot(const tir::Op& op, const MmaLayouts& layouts);
  // Two 16-bit values in one .b32 register, the first in the low bits.
  llvm::Value* packHalves(llvm::Value* low, llvm::Value* high, DType dtype);
  // Whether a dot's wgmma instructions stay in flight into the next iteration
  // (a in a ring, which keeps a slot for them, and b in one too or staged
  // double-buffered).
  bool keepsInFlight(const tir::Op& dot) const;
  // Whether a tf32 wgmma dot in a loop with rings, a in one, stages its b
  // into two buffers, one an iteration, in turn.
  bool stagesDoubleBuffered(const tir::Op& dot) const;
  // 0 or 1: which iteration of `loop` this is, modulo 2.
  llvm::Value* iterationParity(const tir::Op& loop);
  // Waits until at most `pending` wgmma groups are in flight; returns the accumulator as the wait leaves it.
  Slots waitForWarpGroupMma(Slots accumulator, int pending);
  // A wgmma shared-memory matrix descriptor for a swizzled tile at `tile`
  // whose rows (in a panel) are `rowBytes` long, panels `leadingBytes` apart.
  llvm::Value* matrixDescriptor(llvm::Value* tile, int64_t rowBytes, int64_t leadingBytes);
  // ldmatrix of `count` 8x8 matrices (.trans: transposed), one row address per lane.
  std::vector<llvm::Value*> loadMatrices(llvm::Value* address, int count, bool transpose);
  // A 2-D tile in `layout`, read from the swizzled tile at `tile` (holding its
  // transpose where `transposed`) as stageSwizzled writes it: in vectors of
  // slots consecutive along a stored row, else element by element.
  Slots elementsFromShared(const tir::Type& type, const Layout& layout, llvm::Value* tile, bool transposed);
  // An operand of a tensor-core dot (a, or b when isB) in shared memory at
  // `tile` (swizzled row-major), read in its fragment layout with ldmatrix.
  Slots fragmentsFromShared(const tir::Type& type, const Layout& fragment, bool isB, llvm::Value* tile);

  // Where wgmma's 128-byte swizzle pattern repeats (8 rows of 128 bytes): the
  // tiles it reads start at multiples of this.
  static constexpr int64_t kSwizzleAtomBytes = 1024;
  // ---- asynchronous copies (AsyncCopy.cpp) ----
  // A ring of shared-memory slots, one per pipeline stage, for a pipelined dot operand.
  struct Ring {
    int64_t offset = 0;  // bytes, from the start of shared memory
    int64_t slotBytes = 0;
    int slots = 0;
    // Swizzled (TensorCore.cpp) for tensor-core dots; row-major where only
    // blocked FMA dots read it, whose vector reads need no swizzle to spread
    // over the banks and whose addresses are then constant offsets.
    bool swizzled = true;
    // Filled by TMA copies: the tensor map (in tensorMaps_) they read, and
    // where the slots' mbarriers are (8 bytes each); else -1.
    int tensorMap = -1;
    int64_t barriers = -1;
  };
  // Finds the loads that copy straight into rings, and places the rings
  // below the scratch space every other shared-memory user takes.
  void planAsyncCopies();
  // How threads split a tile for copies: 16-byte vectors where rows allow.
  Layout copyLayout(const tir::Type& type) const;
  // Whether `load` can be a cp.async: a 2-D f16, bf16 or f32 tile, no `other`,
  // and vectors of at least 4 bytes.
  bool copiesAsync(const tir::Op& load);
  // Whether `value` (a load's result or a loop-carried tile) lives in a ring.
  bool isAsync(const tir::Value* value) const { return ringOf_.count(value) != 0; }
  // The address of the ring slot `value` is in now.
  llvm::Value* ringAddress(const tir::Value* value);
  // What a loop carries for a ring tile: its slot, and its phase in a TMA ring.
  Slots ringPosition(const tir::Value* value) const;
  // A load copied into its ring slot with cp.async, as one commit group, or
  // with TMA (tensorCopy) where its ring has a tensor map.
  void asyncCopy(const tir::Op& op);
  // The tensor map a ring load whose tile is `box` (boxAccess) copies with,
  // where TMA can: sm_90a, indexing not "pointer", a swizzled ring with rows
  // of at least 32 bytes, a 16-byte aligned tensor with 16-byte row strides.
  std::optional<TensorMap> tensorMapFor(const tir::Op& load, const tir::BoxAccess& box, bool swizzled) const;
  // Thread 0 copies the load's tile with cp.async.bulk.tensor, one box per
  // panel (and per 256 rows), all completing on the slot's mbarrier.
  void tensorCopy(const tir::Op& op, llvm::Value* slot);
  // A linear form of the kernel's scalars, computed in `type`.
  llvm::Value* linear(const tir::LinearForm& form, llvm::Type* type);
  // The mbarrier of the TMA ring slot `value` is in now.
  llvm::Value* slotBarrier(const tir::Value* value);
  // Waits (every thread) until the TMA copy into `value`'s slot has landed.
  void waitForTensorCopy(const tir::Value* value);
  // Thread 0 runs mbarrier `instruction` (with [$0] its address) on every
  // slot barrier of the TMA rings of `loop` (of every loop, where null).
  void onSlotBarriers(const tir::Op* loop, const std::string& instruction);
  // Initializes those slot barriers (thread 0), then fences and synchronizes the
  // program so that every thread and the TMA unit see them initialized.
  void initSlotBarriers(const tir::Op* loop);
  // An inline PTX instruction with no operands that orders memory (cp.async.*).
  void asyncInstruction(const std::string& text);
  // A counted loop [0, count) in LLVM IR; body(iv, carried) returns the next
  // carried values, and the loop the last ones.
  Slots countedLoop(int64_t count, const Slots& init, const std::function<Slots(llvm::Value* iv, const Slots& carried)>& body);

  const tir::Kernel& kernel_;
  llvm::Module& module_;
  llvm::LLVMContext& context_;
  llvm::IRBuilder<> b_;
  Target target_;
  int threadBits_;
  bool warpGroupMma_;  // the target has wgmma (sm_90a)
  LayoutAssignment layouts_;
  tir::AxisInfo axisInfo_;
  llvm::Function* function_ = nullptr;
  llvm::GlobalVariable* shared_ = nullptr;
  int64_t sharedBytes_ = 0;
  llvm::Value* threadId_ = nullptr;
  std::unordered_map<const tir::Value*, llvm::Value*> scalars_;
  std::unordered_map<const tir::Value*, Slots> tiles_;  // in their assigned layouts
  // Tiles recomputed or converted into another layout, valid in the block
  // where they were made: (value, layout, block) -> slots.
  std::map<std::tuple<const tir::Value*, std::string, llvm::BasicBlock*>, Slots> other_;
  std::unordered_set<const tir::Value*> written_;  // pointer params stored to
  std::vector<Ring> rings_;
  std::unordered_map<const tir::Value*, size_t> ringOf_;  // loads and loop-carried tiles in rings
  // A body's load -> the last loop-carried tile of its chain, whose slot it follows.
  std::unordered_map<const tir::Value*, const tir::Value*> nextOf_;
  std::unordered_map<const tir::Value*, int> firstSlot_;  // loads before a loop: their slots
  // Permutes of ring tiles (a wgmma dot's b, held transposed in the ring): in
  // ringOf_ too, at their operand's slot.
  std::unordered_set<const tir::Value*> transposedInRing_;
  std::unordered_map<const tir::Value*, llvm::Value*> ringSlot_;  // the slot number, while emitting
  // In TMA rings: which fill of its slot (0 or 1, mod 2) the value is: the mbarrier phase to wait for.
  std::unordered_map<const tir::Value*, llvm::Value*> ringPhase_;
  // Loops that carry tiles in rings -> how many commit groups may stay in flight at the top of an iteration.
  std::unordered_map<const tir::Op*, int> pendingGroups_;
  // Loops with TMA rings -> each ring's chain of loop-carried tiles, the one
  // an iteration reads first (at its top, it waits for that one's copy; at
  // the exit, for every one's).
  std::unordered_map<const tir::Op*, std::vector<std::vector<const tir::Value*>>> tensorChains_;
  std::unordered_map<const tir::Value*, tir::BoxAccess> boxes_;  // ring loads copied by TMA
  std::vector<TensorMap> tensorMaps_;
  std::vector<llvm::Value*> tensorMapArguments_;  // the kernel's parameters, in order
  // Where the shared memory of conversions, reductions and staging starts (after the rings).
  int64_t scratchBase_ = 0;
  int64_t idleSharedBytes_ = 0;  // used from offset 0 where shared memory is idle
};

}  // namespace hel::nvptx
