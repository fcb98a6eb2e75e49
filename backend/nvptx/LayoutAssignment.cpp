#include "backend/nvptx/LayoutAssignment.h"

namespace hel::nvptx {

LayoutAssignment::LayoutAssignment(const tir::Kernel& kernel, int threadBits, bool warpGroupMma)
    : threadBits_(threadBits), warpGroupMma_(warpGroupMma) {
  tir::walk(kernel.body, [&](const tir::Op& op) {
    for (const tir::Value* operand : op.operands()) users_[operand].push_back(&op);
    if (op.kind() == tir::OpKind::Load || op.kind() == tir::OpKind::Store || op.kind() == tir::OpKind::Atomic)
      accessedShapes_.insert(op.operand(1)->type().shape);
    if (op.kind() == tir::OpKind::Reduce && op.intAttr("axis") == op.operand(0)->type().rank() - 1)
      lastDimReducedShapes_.insert(op.operand(0)->type().shape);
  });
  visit(kernel.body);
}

Layout LayoutAssignment::preferred(const tir::Type& type) const {
  if (!accessedShapes_.count(type.shape) && lastDimReducedShapes_.count(type.shape))
    return reductionLayout(type.shape, threadBits_);
  return canonicalLayout(type.shape, threadBits_);
}

std::optional<Layout> LayoutAssignment::broadcastDemand(const tir::Value* value) const {
  std::optional<Layout> demand;
  auto it = users_.find(value);
  if (it == users_.end()) return std::nullopt;
  for (const tir::Op* user : it->second) {
    std::optional<Layout> wanted;
    if (user->kind() == tir::OpKind::ExpandDims || user->kind() == tir::OpKind::Reshape) {
      wanted = broadcastDemand(user->result());  // the same bits
    } else if (user->kind() == tir::OpKind::Broadcast) {
      const tir::Type& type = user->result()->type();
      std::vector<bool> dropped(type.shape.size());
      for (size_t d = 0; d < type.shape.size(); ++d) dropped[d] = user->operand(0)->type().shape[d] != type.shape[d];
      wanted = dropDims(preferred(type), type.shape, dropped);
    }
    if (!wanted || (demand && *demand != *wanted)) return std::nullopt;
    demand = wanted;
  }
  return demand;
}

std::optional<Layout> LayoutAssignment::warpGroupOperandDemand(const tir::Op& load) const {
  auto it = users_.find(load.result());
  if (it == users_.end()) return std::nullopt;
  std::optional<Layout> demand;
  for (const tir::Op* user : it->second) {
    std::optional<MmaLayouts> mma = user->kind() == tir::OpKind::Dot ? tensorCoreLayouts(*user) : std::nullopt;
    if (!mma || !mma->warpGroup || mma->tf32 || user->operand(0) != load.result() || user->operand(1) == load.result() ||
        user->result()->parentBlock() == load.result()->parentBlock() || (demand && *demand != mma->a))
      return std::nullopt;
    demand = mma->a;
  }
  return demand;
}

bool LayoutAssignment::onlyTf32B(const tir::Value* value, std::set<const tir::Value*>& seen) const {
  if (!seen.insert(value).second) return true;
  auto it = users_.find(value);
  if (it == users_.end()) return false;
  for (const tir::Op* user : it->second) {
    // Through a loop's carried values: from an init to its body argument, from a yield to the next iteration's.
    const tir::Op* loop = user->kind() == tir::OpKind::For ? user
                          : user->kind() == tir::OpKind::Yield ? user->parentBlock()->parentOp()
                                                                : nullptr;
    if (loop && loop->kind() == tir::OpKind::For) {
      const tir::Block& body = loop->regions()[0]->body();
      size_t first = user == loop ? 3 : 0;
      for (size_t i = first; i < user->operands().size(); ++i)
        if (user->operand(i) == value && !onlyTf32B(body.argument(i - first + 1), seen)) return false;
      continue;
    }
    std::optional<MmaLayouts> mma = user->kind() == tir::OpKind::Dot ? tensorCoreLayouts(*user) : std::nullopt;
    if (!mma || !mma->transposesB() || user->operand(1) != value || user->operand(0) == value ||
        user->operand(2) == value)
      return false;
  }
  return true;
}

std::optional<MmaLayouts> LayoutAssignment::tensorCoreLayouts(const tir::Op& dot) const {
  const tir::Type& a = dot.operand(0)->type();
  const tir::Type& b = dot.operand(1)->type();
  bool halves = a.dtype == DType::Float16 || a.dtype == DType::BFloat16;
  // f32 with dot_precision="tf32": wgmma's or mma.sync's tf32. "tf32x3" splits
  // each operand in registers, so only mma.sync, whose operands are there.
  bool tf32 = tir::readsInputsAsTf32(dot);
  bool tf32x3 = tir::f32DotPrecision(dot) == "tf32x3";
  std::optional<std::vector<int64_t>> left = matrixShape(a.shape), right = matrixShape(b.shape);
  if (!left || !right || !(halves || tf32 || tf32x3) || dot.result()->type().dtype != DType::Float32) return std::nullopt;
  int64_t m = (*left)[0], k = (*left)[1], n = (*right)[1];
  if (tf32x3) {
    std::optional<MmaLayouts> split = mmaLayouts(m, n, k, threadBits_, true);
    if (split) split->tf32x3 = true;
    return split;
  }
  if (tf32 && warpGroupMma_) {
    // A row-major b goes to registers, as wgmma's a of the transposed product;
    // one read through a transpose is K-major in its ring already (AsyncCopy.cpp).
    const tir::Op* bSource = dot.operand(1)->definingOp();
    if (!bSource || bSource->kind() != tir::OpKind::Permute)
      if (std::optional<MmaLayouts> swapped = swappedWgmmaLayouts(m, n, k, threadBits_)) return swapped;
    if (std::optional<MmaLayouts> wgmma = wgmmaLayouts(m, n, k, threadBits_, true)) return wgmma;
  }
  if (tf32) return mmaLayouts(m, n, k, threadBits_, true);
  if (warpGroupMma_)
    if (std::optional<MmaLayouts> wgmma = wgmmaLayouts(m, n, k, threadBits_)) return wgmma;
  return mmaLayouts(m, n, k, threadBits_);
}

std::optional<Layout> LayoutAssignment::blockedFmaLayout(const tir::Op& dot) const {
  const tir::Type& a = dot.operand(0)->type();
  const tir::Type& b = dot.operand(1)->type();
  std::optional<std::vector<int64_t>> left = matrixShape(a.shape), right = matrixShape(b.shape);
  if (!left || !right || a.dtype != DType::Float32 || b.dtype != DType::Float32 ||
      dot.result()->type().dtype != DType::Float32 || tensorCoreLayouts(dot))
    return std::nullopt;
  return fmaDotLayout((*left)[0], (*right)[1], threadBits_);
}

bool LayoutAssignment::readsOperandsFromShared(const tir::Op& dot) const {
  return dot.kind() == tir::OpKind::Dot && (tensorCoreLayouts(dot) || blockedFmaLayout(dot));
}

const Layout* LayoutAssignment::layoutOf(const tir::Value* value) const {
  auto it = layouts_.find(value);
  return it == layouts_.end() ? nullptr : &it->second;
}

Layout LayoutAssignment::layoutOrPreferred(const tir::Value* value) const {
  const Layout* layout = layoutOf(value);
  return layout ? *layout : preferred(value->type());
}

void LayoutAssignment::visit(const tir::Block& block) {
  for (const auto& op : block.ops()) {
    if (op->kind() == tir::OpKind::For) visitFor(*op);
    else {
      for (const auto& region : op->regions()) visit(region->body());
      assign(*op);
    }
  }
}

void LayoutAssignment::visitFor(const tir::Op& op) {
  const tir::Block& body = op.regions()[0]->body();
  const tir::Op& yield = *body.ops().back();
  size_t carried = op.operands().size() - 3;
  auto argument = [&](size_t i) { return body.argument(i + 1); };
  for (size_t i = 0; i < carried; ++i)
    if (const Layout* init = layoutOf(op.operand(i + 3))) set(argument(i), *init);
  // Carried values without a layout yet take what the body makes of them; a
  // second visit sees the body with those layouts.
  for (int round = 0; round < 2; ++round) {
    visit(body);
    bool changed = false;
    for (size_t i = 0; i < carried; ++i) {
      if (!argument(i)->type().isTile() || layoutOf(argument(i))) continue;
      if (const Layout* yielded = layoutOf(yield.operand(i))) {
        set(argument(i), *yielded);
        changed = true;
      }
    }
    if (!changed) break;
  }
  bool defaulted = false;
  for (size_t i = 0; i < carried; ++i) {
    if (!argument(i)->type().isTile() || layoutOf(argument(i))) continue;
    set(argument(i), preferred(argument(i)->type()));
    defaulted = true;
  }
  if (defaulted) visit(body);
  for (size_t i = 0; i < carried; ++i)
    if (const Layout* layout = layoutOf(argument(i))) set(op.result(i), *layout);
}

void LayoutAssignment::assign(const tir::Op& op) {
  if (op.kind() == tir::OpKind::If) {
    for (size_t i = 0; i < op.numResults(); ++i) {
      const tir::Value* result = op.result(i);
      if (!result->type().isTile()) continue;
      const Layout* fromThen = layoutOf(op.regions()[0]->body().ops().back()->operand(i));
      const Layout* fromElse = layoutOf(op.regions()[1]->body().ops().back()->operand(i));
      set(result, fromThen ? *fromThen : fromElse ? *fromElse : preferred(result->type()));
    }
    return;
  }
  if (op.kind() == tir::OpKind::CombineSplits) {
    for (size_t i = 1; i < op.numResults(); ++i)
      if (op.result(i)->type().isTile()) set(op.result(i), layoutOrPreferred(op.operand(i + 1)));
    return;
  }
  if (op.numResults() == 0 || !op.result()->type().isTile()) return;
  const tir::Type& type = op.result()->type();
  const Layout* first = nullptr;
  for (const tir::Value* operand : op.operands())
    if (const Layout* layout = layoutOf(operand); layout && !first) first = layout;
  switch (op.kind()) {
    case tir::OpKind::Constant:
    case tir::OpKind::Arange:
    case tir::OpKind::Splat: return;
    case tir::OpKind::ExpandDims:
    case tir::OpKind::Reshape:
    case tir::OpKind::Unary:
    case tir::OpKind::Cast:
    case tir::OpKind::Binary:
    case tir::OpKind::Select:
      // Row-major order is kept by expand_dims and reshape, so the bit map is too.
      if (first) set(op.result(), *first);
      return;
    case tir::OpKind::Broadcast:
      // Computed in each user's layout (a relabelling of its source's
      // registers where the source's layout is that one without the
      // broadcast dims): a softmax's row max broadcast over an accumulator.
      return;
    case tir::OpKind::Permute:
      if (first) set(op.result(), preferred(type));
      return;
    case tir::OpKind::Reduce: {
      const tir::Type& input = op.operand(0)->type();
      std::vector<bool> dropped(input.shape.size(), false);
      dropped[op.intAttr("axis")] = true;
      set(op.result(), dropDims(layoutOrPreferred(op.operand(0)), input.shape, dropped));
      return;
    }
    case tir::OpKind::Scan: set(op.result(), layoutOrPreferred(op.operand(0))); return;
    case tir::OpKind::Dot:
      if (std::optional<MmaLayouts> mma = tensorCoreLayouts(op)) set(op.result(), mma->accumulator);
      else if (std::optional<Layout> blocked = blockedFmaLayout(op)) set(op.result(), *blocked);
      else set(op.result(), layoutOrPreferred(op.operand(2)));
      return;
    case tir::OpKind::Load:
      // A tile loaded only to be broadcast (a row of scales) is loaded
      // straight into the layout the broadcasts read; one loaded before a
      // loop for wgmma dots in it to read as a (attention's queries), into
      // the registers those dots take a from; one only tf32 wgmma dots read
      // as b (through loop-carried values too), with its K in registers, which
      // staging it transposed stores as vectors.
      if (std::optional<Layout> a = warpGroupOperandDemand(op)) set(op.result(), *a);
      else if (std::set<const tir::Value*> seen; matrixShape(type.shape) && onlyTf32B(op.result(), seen))
        set(op.result(), kVectorLayout(type.shape, threadBits_, 2));
      else set(op.result(), broadcastDemand(op.result()).value_or(preferred(type)));
      return;
    default: set(op.result(), preferred(type)); return;  // atomic
  }
}

}  // namespace hel::nvptx
