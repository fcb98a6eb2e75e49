// pipeline-loads: with num_stages = S >= 2, a loop issues its loads S - 1
// iterations ahead (Triton's software pipelining).
//
// A load at the top level of a for loop's body qualifies when its offsets,
// mask and `other` are computed, by pure ops in the body, only from the
// induction variable and values from outside the loop, and when the kernel
// never writes its tensor (so no store of this iteration can change what the
// next one reads). The loop then loads the first S - 1 iterations' tiles
// before it starts and, first thing in each iteration, the tile of the
// iteration S - 1 ahead (masked off past the last), carried as iter values
// that shift down one each iteration: the load's latency overlaps the work of
// S - 1 iterations instead of stalling one. (The GPU backend keeps operands of
// dots that read them from shared memory in rings there; other loads are
// carried in registers, so more stages cost more registers.)
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "lower/IRBuilder.h"
#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

// Adds to `slice` the body ops `value` is computed by; false when it depends on
// anything but the induction variable, values from outside the loop and pure
// ops of the body.
bool collectSlice(const Value* value, const Block& body, std::set<const Op*>& slice) {
  if (value == body.argument(0)) return true;
  if (value->ownerBlock() == &body) return false;  // an iter value
  const Op* definition = value->definingOp();
  if (!definition || !definition->parentBlock()->isInside(body)) return true;  // from outside
  if (definition->parentBlock() != &body || !isPure(*definition) || !definition->regions().empty()) return false;
  if (slice.count(definition)) return true;
  for (const Value* operand : definition->operands())
    if (!collectSlice(operand, body, slice)) return false;
  slice.insert(definition);
  return true;
}

struct Candidate {
  Op* load;
  std::vector<const Op*> slice;  // in body order
};

// `load` as it would be for induction variable `iv`, guarded by `on` (a
// scalar i1): its slice cloned at `b`'s insertion point, then the load.
Value* loadFor(IRBuilder& b, const Candidate& candidate, const Block& body, Value* iv, Value* on) {
  std::unordered_map<const Value*, Value*> mapped = {{body.argument(0), iv}};
  auto lookup = [&](Value* value) {
    auto it = mapped.find(value);
    return it == mapped.end() ? value : it->second;
  };
  // (The builder may insert into `body`: the slice is a list, not a walk of it.)
  for (const Op* op : candidate.slice) {
    Values operands;
    for (Value* operand : op->operands()) operands.push_back(lookup(operand));
    mapped[op->result()] = b.clone(*op, operands);
  }
  const Op& load = *candidate.load;
  Value* offsets = lookup(load.operand(1));
  Value* guard = offsets->type().isTile() ? b.splat(on, offsets->type().shape) : on;
  Value* mask = load.operands().size() > 2 ? b.binary(BinaryOp::BitwiseAnd, lookup(load.operand(2)), guard) : guard;
  Value* other = load.operands().size() > 3 ? lookup(load.operand(3)) : nullptr;
  return b.load(load.operand(0), offsets, mask, other);
}

void pipelineLoop(Op& loop, const std::unordered_set<const Value*>& written, int64_t stages) {
  Block& body = loop.regions()[0]->body();
  std::vector<Candidate> candidates;
  for (const auto& op : body.ops()) {
    if (op->kind() != OpKind::Load || written.count(op->operand(0))) continue;
    std::set<const Op*> slice;
    bool computable = true;
    for (size_t i = 1; i < op->operands().size() && computable; ++i) computable = collectSlice(op->operand(i), body, slice);
    if (!computable) continue;
    Candidate candidate{op.get(), {}};
    for (const auto& bodyOp : body.ops())
      if (slice.count(bodyOp.get())) candidate.slice.push_back(bodyOp.get());
    candidates.push_back(std::move(candidate));
  }
  if (candidates.empty()) return;

  Block& parent = *loop.parentBlock();
  size_t position = 0;
  while (parent.ops()[position].get() != &loop) ++position;
  Value* lo = loop.operand(0);
  Value* hi = loop.operand(1);
  IRBuilder before(parent, position);
  before.setLocation(loop.location);
  Value* step = loop.operand(2);
  size_t ahead = static_cast<size_t>(stages - 1);
  // firsts[j][i]: candidate i's tile for iteration j, stage by stage.
  std::vector<Values> firsts(ahead);
  Value* iv = lo;
  for (size_t j = 0; j < ahead; ++j) {
    if (j) iv = before.binary(BinaryOp::Add, iv, step);
    Value* on = before.binary(BinaryOp::Lt, iv, hi);
    for (const Candidate& candidate : candidates) firsts[j].push_back(loadFor(before, candidate, body, iv, on));
  }

  IRBuilder top(body, 0);
  top.setLocation(loop.location);
  Value* next = body.argument(0);
  for (size_t j = 0; j < ahead; ++j) next = top.binary(BinaryOp::Add, next, step);
  Value* nextOn = top.binary(BinaryOp::Lt, next, hi);
  Values nexts;
  for (const Candidate& candidate : candidates) nexts.push_back(loadFor(top, candidate, body, next, nextOn));

  Op& yield = *body.ops().back();
  std::vector<Value*> operands = loop.operands();
  std::vector<Value*> yielded = yield.operands();
  ValueReplacements replacements;
  std::unordered_set<const Op*> loads;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Type& type = candidates[i].load->result()->type();
    // Iter values for iterations +0 .. +ahead-1: each yields the next, the last the new load.
    std::vector<Value*> chain;
    for (size_t j = 0; j < ahead; ++j) {
      operands.push_back(firsts[j][i]);
      chain.push_back(body.addArgument(type));
      loop.addResult(type);
    }
    for (size_t j = 1; j < ahead; ++j) yielded.push_back(chain[j]);
    yielded.push_back(nexts[i]);
    replacements.add(candidates[i].load->result(), chain[0]);
    loads.insert(candidates[i].load);
  }
  loop.setOperands(operands);
  yield.setOperands(yielded);
  replacements.rewriteAll(body);
  eraseOps(body, loads);
}

}  // namespace

void pipelineLoads(Module& module) {
  for (auto& kernel : module.kernels) {
    if (kernel->launch.numStages < 2) continue;
    std::unordered_set<const Value*> written = writtenPointers(*kernel);
    std::vector<Op*> loops;
    walk(kernel->body, [&](Op& op) {
      if (op.kind() == OpKind::For) loops.push_back(&op);
    });
    for (Op* loop : loops) pipelineLoop(*loop, written, kernel->launch.numStages);
  }
}

}  // namespace hel::tir
