// Elementwise arithmetic on one element of each operand: torch's rules for
// every dtype, with f16/bf16 computed in f32, and the fast-math routines
// (exp through ex2.approx, tanh, erf) whose accuracy the activation tests check.
#include <fmt/format.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IntrinsicsNVPTX.h>

#include "backend/nvptx/KernelCodegen.h"

namespace hel::nvptx {

llvm::Value* KernelCodegen::elementwise(const tir::Op& op, const std::vector<llvm::Value*>& operands) {
  DType dtype = op.operand(0)->type().dtype;
  switch (op.kind()) {
    case tir::OpKind::Unary: return unary(op, *opNamed<UnaryOp>(op.stringAttr("op")), dtype, operands[0]);
    case tir::OpKind::Binary:
      return binary(op, *opNamed<BinaryOp>(op.stringAttr("op")), dtype, operands[0], operands[1]);
    case tir::OpKind::Cast: return cast(operands[0], dtype, op.result()->type().dtype);
    case tir::OpKind::Select: return b_.CreateSelect(operands[0], operands[1], operands[2]);
    default: throw std::logic_error("internal compiler error: not an elementwise op");
  }
}


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

// f32 division as Triton compiles `/`: div.full.f32, within 2 ulp, a few
// instructions instead of the IEEE-rounded div.rn's dozen and its slow path
// (softmax divides every element). f64 keeps IEEE division.
llvm::Value* KernelCodegen::divide(llvm::Value* x, llvm::Value* y) {
  if (!x->getType()->isFloatTy()) return b_.CreateFDiv(x, y);
  llvm::Type* f32 = b_.getFloatTy();
  auto* type = llvm::FunctionType::get(f32, {f32, f32}, false);
  return b_.CreateCall(type, llvm::InlineAsm::get(type, "div.full.f32 $0, $1, $2;", "=f,f,f", false), {x, y});
}

// log1p: 2 atanh(x / (2 + x)) as its odd series below |x| = 0.5, where
// log(1 + x) would lose x's low bits; log(1 + x) above.
llvm::Value* KernelCodegen::log1p(llvm::Value* x) {
  llvm::Type* f32 = b_.getFloatTy();
  llvm::Value* s = b_.CreateFDiv(x, b_.CreateFAdd(llvm::ConstantFP::get(f32, 2.0), x));
  llvm::Value* series = b_.CreateFMul(b_.CreateFMul(s, llvm::ConstantFP::get(f32, 2.0)),
                                      polynomial(b_.CreateFMul(s, s), {1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11}));
  llvm::Value* direct = b_.CreateFMul(b_.CreateIntrinsic(llvm::Intrinsic::nvvm_lg2_approx_f, {}, {b_.CreateFAdd(llvm::ConstantFP::get(f32, 1.0), x)}),
                                      llvm::ConstantFP::get(f32, 0.693147180559945309));
  llvm::Value* small = b_.CreateFCmpOLT(b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {x}), llvm::ConstantFP::get(f32, 0.5));
  return b_.CreateSelect(small, series, direct);
}

// atan2 as Cephes' atanf does atan: the ratio of the smaller to the larger
// magnitude in [0, 1], reduced around tan(pi/8), an odd polynomial, then the
// octant and quadrant; signed zeros and infinities as std::atan2 has them.
llvm::Value* KernelCodegen::atan2(llvm::Value* y, llvm::Value* x) {
  llvm::Type* f32 = b_.getFloatTy();
  auto constant = [&](double value) { return llvm::ConstantFP::get(f32, value); };
  llvm::Value* ax = b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {x});
  llvm::Value* ay = b_.CreateIntrinsic(llvm::Intrinsic::fabs, {f32}, {y});
  llvm::Value* larger = b_.CreateIntrinsic(llvm::Intrinsic::maxnum, {f32}, {ax, ay});
  llvm::Value* smaller = b_.CreateIntrinsic(llvm::Intrinsic::minnum, {f32}, {ax, ay});
  llvm::Value* ratio = b_.CreateFDiv(smaller, larger);
  // 0/0 (both zero) counts as 0, inf/inf (both infinite) as 1.
  ratio = b_.CreateSelect(b_.CreateFCmpOEQ(larger, constant(0.0)), constant(0.0), ratio);
  ratio = b_.CreateSelect(b_.CreateFCmpOEQ(smaller, llvm::ConstantFP::getInfinity(f32)), constant(1.0), ratio);
  llvm::Value* reduce = b_.CreateFCmpOGT(ratio, constant(0.4142135623730950));
  llvm::Value* a = b_.CreateSelect(reduce, b_.CreateFDiv(b_.CreateFSub(ratio, constant(1.0)), b_.CreateFAdd(ratio, constant(1.0))), ratio);
  llvm::Value* z = b_.CreateFMul(a, a);
  llvm::Value* odd = polynomial(z, {-3.33329491539e-1, 1.99777106478e-1, -1.38776856032e-1, 8.05374449538e-2});
  llvm::Value* angle = b_.CreateIntrinsic(llvm::Intrinsic::fma, {f32}, {b_.CreateFMul(odd, z), a, a});
  angle = b_.CreateFAdd(angle, b_.CreateSelect(reduce, constant(0.78539816339744831), constant(0.0)));
  angle = b_.CreateSelect(b_.CreateFCmpOGT(ay, ax), b_.CreateFSub(constant(1.5707963267948966), angle), angle);
  llvm::Value* xNegative = b_.CreateICmpSLT(b_.CreateBitCast(x, b_.getInt32Ty()), b_.getInt32(0));
  angle = b_.CreateSelect(xNegative, b_.CreateFSub(constant(3.14159265358979323846), angle), angle);
  angle = b_.CreateIntrinsic(llvm::Intrinsic::copysign, {f32}, {angle, y});
  llvm::Value* unordered = b_.CreateFCmpUNO(x, y);
  return b_.CreateSelect(unordered, b_.CreateFAdd(x, y), angle);
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
      case UnaryOp::Log1p: r = log1p(f); break;
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

llvm::Value* KernelCodegen::contractible(llvm::Value* result, DType dtype) {
  auto* instruction = llvm::dyn_cast<llvm::Instruction>(result);
  if (instruction && (dtype == DType::Float32 || dtype == DType::Float64)) instruction->setHasAllowContract(true);
  return result;
}

llvm::Value* KernelCodegen::binary(const tir::Op& op, BinaryOp kind, DType dtype, llvm::Value* a, llvm::Value* c) {
  llvm::Type* type = a->getType();
  if (isFloating(dtype)) {
    llvm::Value* x = toFloat(a, dtype);
    llvm::Value* y = toFloat(c, dtype);
    llvm::Type* ft = x->getType();
    llvm::Value* r = nullptr;
    switch (kind) {
      // The user's f32/f64 products and sums may fuse into FMAs (as nvcc's
      // --fmad and Triton's enable_fp_fusion do): one rounding instead of two,
      // one instruction (softmax's x * scale - max). Not f16/bf16 ones, which
      // PyTorch rounds after each op; nor Math.cpp's own formulas.
      case BinaryOp::Add: r = contractible(b_.CreateFAdd(x, y), dtype); break;
      case BinaryOp::Sub: r = contractible(b_.CreateFSub(x, y), dtype); break;
      case BinaryOp::Mul: r = contractible(b_.CreateFMul(x, y), dtype); break;
      case BinaryOp::Div: r = divide(x, y); break;
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
        // NaN propagates, as in torch.maximum: one max.NaN / min.NaN on sm_80+.
        r = b_.CreateIntrinsic(kind == BinaryOp::Maximum ? llvm::Intrinsic::maximum : llvm::Intrinsic::minimum, {ft}, {x, y});
        break;
      }
      case BinaryOp::Atan2:
        if (dtype == DType::Float64) unsupported(op, "'atan2' on float64");
        r = atan2(x, y);
        break;
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

}  // namespace hel::nvptx
