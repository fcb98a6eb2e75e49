#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::iota;
using hel::test::make;
using hel::test::values;

TEST_CASE("pad in constant mode", "[shapeops][pad]") {
  Tensor x = iota({2, 2});
  // The seed's conv2d: F.pad(x, (0, 4, 0, 4, 0, 0)) on [4, 8, 8] gives [4, 12, 12].
  CHECK(pad(zeros({4, 8, 8}), {0, 4, 0, 4, 0, 0}).shape() == Shape{4, 12, 12});
  Tensor p = pad(x, {1, 0});  // last dim: one before
  CHECK(p.shape() == Shape{2, 3});
  CHECK(values(p) == std::vector<double>{0, 0, 1, 0, 2, 3});
  Tensor q = pad(x, {0, 1, 1, 0}, -1.0);
  CHECK(q.shape() == Shape{3, 3});
  CHECK(values(q) == std::vector<double>{-1, -1, -1, 0, 1, -1, 2, 3, -1});
  Tensor cropped = pad(iota({2, 4}), {-1, -2});
  CHECK(cropped.shape() == Shape{2, 1});
  CHECK(values(cropped) == std::vector<double>{1, 5});
  CHECK(pad(iota({2, 2}, DType::Int32), {1, 1}, 7).dtype() == DType::Int32);
  CHECK(pad(x.to(Device::meta()), {2, 2}).shape() == Shape{2, 6});
  CHECK_THROWS_WITH(pad(x, {1}), "Padding length must be divisible by 2");
  CHECK_THROWS_WITH(pad(x, {1, 1, 1, 1, 1, 1}), "Padding length too large");
  CHECK_THROWS_WITH(pad(x, {-2, -1}),
                    "The input size 2, plus negative padding -2 and -1 resulted in a negative output size, which is "
                    "invalid. Check dimension 1 of your input.");
}

TEST_CASE("cat and stack", "[shapeops]") {
  Tensor a = iota({2, 3}), b = make({9, 9, 9}, {1, 3});
  Tensor c = cat({a, b});
  CHECK(c.shape() == Shape{3, 3});
  CHECK(values(c.select(0, 2)) == std::vector<double>{9, 9, 9});
  Tensor d = cat({a, iota({2, 1})}, -1);
  CHECK(d.shape() == Shape{2, 4});
  CHECK(values(d.select(1, 3)) == std::vector<double>{0, 1});
  CHECK(cat({a, make({1, 2, 3}, {1, 3}, DType::Float64)}).dtype() == DType::Float64);
  CHECK(cat({a, zeros({0})}).shape() == Shape{2, 3});  // 1-D empty tensors are skipped
  CHECK_THROWS_WITH(cat({a, iota({2, 4})}),
                    "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor "
                    "number 1 in the list.");
  CHECK_THROWS_WITH(cat({a, iota({6})}), "Tensors must have same number of dimensions: got 2 and 1");
  CHECK_THROWS_WITH(cat({}), "torch.cat(): expected a non-empty list of Tensors");
  CHECK_THROWS_WITH(cat({full({}, 1.0)}), "zero-dimensional tensor (at position 0) cannot be concatenated");

  Tensor s = stack({make({1, 2}), make({3, 4}), make({5, 6})});
  CHECK(s.shape() == Shape{3, 2});
  CHECK(values(s) == std::vector<double>{1, 2, 3, 4, 5, 6});
  Tensor t = stack({make({1, 2}), make({3, 4})}, 1);
  CHECK(t.shape() == Shape{2, 2});
  CHECK(values(t) == std::vector<double>{1, 3, 2, 4});
  CHECK(stack({full({}, 1.0), full({}, 2.0)}).shape() == Shape{2});
  CHECK_THROWS_WITH(stack({make({1, 2}), make({1, 2, 3})}),
                    "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1");
  CHECK_THROWS_WITH(stack({}), "stack expects a non-empty TensorList");
}

TEST_CASE("creation functions", "[creation]") {
  CHECK(zeros({2, 3}).dtype() == DType::Float32);
  CHECK(values(ones({2}, DType::Int8)) == std::vector<double>{1, 1});
  CHECK(full({2}, 7).dtype() == DType::Int64);
  CHECK(full({2}, true).dtype() == DType::Bool);
  CHECK(full({2}, 0.5).dtype() == DType::Float32);
  CHECK(full({2}, 0.5, DType::Float64).dtype() == DType::Float64);
  CHECK(values(full({2}, -INFINITY, DType::Float16))[0] == -INFINITY);
  CHECK_THROWS_WITH(full({1}, 1e5, DType::Float16), "value cannot be converted to type at::Half without overflow");
  CHECK_THROWS_WITH(full({1}, 256, DType::UInt8), "value cannot be converted to type uint8_t without overflow");
  CHECK(values(full({1}, -1, DType::UInt8)) == std::vector<double>{255});  // PyTorch lets negatives wrap
  CHECK_THROWS_WITH(full({1}, NAN, DType::Int32), "value cannot be converted to type int without overflow");

  CHECK(arange(0, 5).dtype() == DType::Int64);
  CHECK(values(arange(0, 5)) == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(values(arange(1, 2.5, 0.5)) == std::vector<double>{1, 1.5, 2});
  CHECK(arange(1, 2.5, 0.5).dtype() == DType::Float32);
  CHECK(values(arange(5, 0, -2)) == std::vector<double>{5, 3, 1});
  CHECK(arange(0, 10, 3, DType::Float16).shape() == Shape{4});
  CHECK(arange(3, 3).numel() == 0);
  CHECK_THROWS_WITH(arange(0, 5, 0), "step must be nonzero");
  CHECK_THROWS_WITH(arange(5, 0), "upper bound and larger bound inconsistent with step sign");

  Tensor t = tensor({1, 2.5, true}, {3});
  CHECK(t.dtype() == DType::Float32);
  CHECK(tensor({1, 2}, {2, 1}).dtype() == DType::Int64);
  CHECK(tensor({true, false}, {2}).dtype() == DType::Bool);
  CHECK(tensor({}, {0}).dtype() == DType::Float32);
  CHECK(tensor({Scalar(3)}, {}).dim() == 0);
  CHECK_THROWS_WITH(tensor({1, 2}, {3}), "tensor(): 2 values do not fill the shape [3]");
  CHECK_THROWS_WITH(tensor({300}, {1}, DType::Int8), "value cannot be converted to type int8_t without overflow");

  Tensor x = zeros({2, 3}, DType::Float16).to(Device::cuda());
  CHECK(emptyLike(x).dtype() == DType::Float16);
  CHECK(emptyLike(x).device() == Device::cuda());
  CHECK(zerosLike(x, DType::Float32).dtype() == DType::Float32);
  CHECK(values(onesLike(x))[5] == 1);
  CHECK(values(fullLike(x, 2.5))[0] == 2.5);
  CHECK(fullLike(x, 1, std::nullopt, Device::cpu()).device() == Device::cpu());
  CHECK(zeros({2}, DType::Float32, Device::meta()).isMeta());
}
