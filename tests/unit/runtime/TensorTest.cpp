#include "runtime/Tensor.h"

#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::iota;
using hel::test::make;
using hel::test::values;

TEST_CASE("tensors: metadata and element access", "[tensor]") {
  Tensor x = iota({2, 3});
  CHECK(x.defined());
  CHECK_FALSE(Tensor().defined());
  CHECK(x.dtype() == DType::Float32);
  CHECK(x.shape() == Shape{2, 3});
  CHECK(x.strides() == Shape{3, 1});
  CHECK(x.dim() == 2);
  CHECK(x.numel() == 6);
  CHECK(x.size(-1) == 3);
  CHECK(x.isContiguous());
  CHECK(x.device() == Device::cpu());
  CHECK(x.at({1, 2}).toDouble() == 5);
  CHECK(x.at({-1, -3}).toDouble() == 3);
  CHECK_THROWS_WITH(x.at({2, 0}), "index 2 is out of bounds for dimension 0 with size 2");
  CHECK_THROWS_WITH(x.size(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  x.setAt({0, 1}, 7.5);
  CHECK(values(x) == std::vector<double>{0, 7.5, 2, 3, 4, 5});
  CHECK_THROWS_WITH(x.item(), "a Tensor with 6 elements cannot be converted to Scalar");

  Tensor scalar = full({}, 3);
  CHECK(scalar.dim() == 0);
  CHECK(scalar.numel() == 1);
  CHECK(scalar.dtype() == DType::Int64);
  CHECK(scalar.item().isInt());
  CHECK(scalar.item().toInt() == 3);
  CHECK(full({}, true).item().isBool());
  CHECK(full({}, 2.5, DType::Float16).item().isFloat());

  Tensor bytes = zeros({2}, DType::Int8);
  CHECK_THROWS_WITH(bytes.setAt({0}, 300), "value cannot be converted to type int8_t without overflow");
  CHECK_THROWS_WITH(Tensor::empty({-1, 2}, DType::Float32),
                    "Trying to create tensor with negative dimension -1: [-1, 2]");
  int64_t huge = int64_t{1} << 40;
  CHECK_THROWS_WITH(Tensor::empty({huge, huge}, DType::Float32),
                    "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]");
  CHECK_THROWS_WITH(Tensor::empty({huge, 1 << 20}, DType::Float64),
                    "DefaultCPUAllocator: not enough memory: you tried to allocate 9223372036854775808 bytes.");
  CHECK(Tensor::empty({huge, 1 << 20}, DType::Float64, Device::meta()).numel() == int64_t{1} << 60);
}

TEST_CASE("views share storage", "[tensor][views]") {
  Tensor x = iota({2, 3});
  Tensor t = x.t();
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.strides() == Shape{1, 3});
  CHECK_FALSE(t.isContiguous());
  CHECK(t.sharesStorage(x));
  t.setAt({2, 0}, 100);
  CHECK(x.at({0, 2}).toDouble() == 100);

  Tensor row = x.select(0, 1);
  row.fill(-1);
  CHECK(values(x) == std::vector<double>{0, 1, 100, -1, -1, -1});

  Tensor col = x.index({Slice{}, 1});
  CHECK(col.shape() == Shape{2});
  CHECK(col.sharesStorage(x));
  x.view({6}).setAt({1}, 42);
  CHECK(col.at({0}).toDouble() == 42);

  Tensor e = make({1, 2, 3}).expand({4, 3});
  CHECK(e.strides() == Shape{0, 1});
  CHECK(values(e.index({3})) == std::vector<double>{1, 2, 3});

  Tensor c = t.contiguous();
  CHECK_FALSE(c.sharesStorage(x));
  CHECK(c.isContiguous());
  Tensor same = x.contiguous();
  CHECK(same.sharesStorage(x));
  Tensor copy = x.clone();
  CHECK_FALSE(copy.sharesStorage(x));
  CHECK(values(copy) == values(x));
}

TEST_CASE("view, reshape and flatten", "[tensor][views]") {
  Tensor x = iota({2, 3, 4});
  CHECK(x.view({-1, 4}).shape() == Shape{6, 4});
  CHECK(x.view({4, -1}).shape() == Shape{4, 6});
  CHECK(x.view({24}).sharesStorage(x));
  CHECK_THROWS_WITH(x.view({5, -1}), "shape '[5, -1]' is invalid for input of size 24");
  CHECK_THROWS_WITH(x.view({-1, -1}), "only one dimension can be inferred");
  CHECK_THROWS_WITH(x.view({3, 5}), "shape '[3, 5]' is invalid for input of size 24");

  // A transposed tensor cannot be viewed flat, but can be split along one dim.
  Tensor t = x.transpose(1, 2);  // [2, 4, 3]
  CHECK_THROWS_WITH(t.view({24}),
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                    "across two contiguous subspaces). Use .reshape(...) instead.");
  CHECK(t.view({2, 2, 2, 3}).sharesStorage(x));
  Tensor flat = t.reshape({24});
  CHECK_FALSE(flat.sharesStorage(x));
  CHECK(values(flat)[1] == 4);  // t[0, 0, 1] is x[0, 1, 0]
  CHECK(x.reshape({4, 6}).sharesStorage(x));

  CHECK(x.flatten().shape() == Shape{24});
  CHECK(x.flatten(1).shape() == Shape{2, 12});
  CHECK(x.flatten(0, 1).shape() == Shape{6, 4});
  CHECK(full({}, 1.0).flatten().shape() == Shape{1});
  CHECK_THROWS_WITH(x.flatten(2, 1), "flatten() has invalid args: start_dim cannot come after end_dim");

  // Size-1 dims may have any stride.
  Tensor column = iota({3, 1}).expand({3, 1});
  CHECK(column.view({3}).shape() == Shape{3});
  CHECK(iota({0, 3}).view({3, 0}).shape() == Shape{3, 0});
}

TEST_CASE("permute, transpose, expand, unsqueeze, squeeze", "[tensor][views]") {
  Tensor x = iota({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p.at({3, 1, 2}).toDouble() == x.at({1, 2, 3}).toDouble());
  CHECK(x.permute({-1, 0, 1}).shape() == Shape{4, 2, 3});
  CHECK_THROWS_WITH(x.permute({0, 1}),
                    "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
                    "desired ordering of dimensions i.e. input.dim() = 3 is not equal to len(dims) = 2");
  CHECK_THROWS_WITH(x.permute({0, 1, 1}), "permute(): duplicate dims are not allowed.");
  CHECK(x.transpose(0, -1).shape() == Shape{4, 3, 2});
  CHECK_THROWS_WITH(x.t(), "t() expects a tensor with <= 2 dimensions, but self is 3D");
  CHECK(make({1, 2}).t().shape() == Shape{2});

  Tensor v = make({1, 2, 3});
  CHECK(v.expand({2, 3}).shape() == Shape{2, 3});
  CHECK(v.expand({2, -1}).shape() == Shape{2, 3});
  CHECK(v.unsqueeze(1).expand({3, 5}).shape() == Shape{3, 5});
  CHECK_THROWS_WITH(
      v.expand({2, 4}),
      "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1. "
      " Target sizes: [2, 4].  Tensor sizes: [3]");
  CHECK_THROWS_WITH(v.expand({}), "expand(torch.FloatTensor{[3]}, size=[]): the number of sizes provided (0) must be "
                                  "greater or equal to the number of dimensions in the tensor (1)");
  CHECK(v.expandAs(iota({4, 3})).shape() == Shape{4, 3});

  CHECK(v.unsqueeze(0).shape() == Shape{1, 3});
  CHECK(v.unsqueeze(-1).shape() == Shape{3, 1});
  CHECK(v.unsqueeze(-1).strides() == Shape{1, 1});
  CHECK_THROWS_WITH(v.unsqueeze(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  Tensor ones = iota({1, 3, 1});
  CHECK(ones.squeeze().shape() == Shape{3});
  CHECK(ones.squeeze(0).shape() == Shape{3, 1});
  CHECK(ones.squeeze(1).shape() == Shape{1, 3, 1});
  CHECK(full({}, 1.0).unsqueeze(0).shape() == Shape{1});
}

TEST_CASE("select, narrow and slices with steps", "[tensor][views]") {
  Tensor x = iota({5, 4});
  CHECK(values(x.select(0, -1)) == std::vector<double>{16, 17, 18, 19});
  CHECK_THROWS_WITH(x.select(0, 5), "index 5 is out of bounds for dimension 0 with size 5");
  CHECK_THROWS_WITH(full({}, 1.0).select(0, 0), "select() cannot be applied to a 0-dim tensor.");
  CHECK(values(x.narrow(1, 1, 2).select(0, 0)) == std::vector<double>{1, 2});
  CHECK_THROWS_WITH(x.narrow(0, 3, 3), "start (3) + length (3) exceeds dimension size (5).");

  Tensor v = arange(0, 10, 1);
  CHECK(values(v.slice(0, 1, 8, 3)) == std::vector<double>{1, 4, 7});
  CHECK(values(v.slice(0, -3, std::nullopt)) == std::vector<double>{7, 8, 9});
  CHECK(values(v.slice(0, std::nullopt, -8)) == std::vector<double>{0, 1});
  CHECK(v.slice(0, 8, 2).numel() == 0);
  CHECK(v.slice(0, -100, 100).numel() == 10);
  CHECK_THROWS_WITH(v.slice(0, 0, 5, 0), "step must be greater than zero");
  CHECK(v.slice(0, 1, 8, 3).strides() == Shape{3});
}

TEST_CASE("basic subscripts: integers, slices, None and ...", "[tensor][index]") {
  Tensor x = iota({2, 3, 4});
  CHECK(x.index({0}).shape() == Shape{3, 4});
  CHECK(x.index({TensorIndex::ellipsis(), 1}).shape() == Shape{2, 3});
  CHECK(x.index({TensorIndex::ellipsis(), TensorIndex::none()}).shape() == Shape{2, 3, 4, 1});
  CHECK(x.index({TensorIndex::none(), Slice{}, 1}).shape() == Shape{1, 2, 4});
  CHECK(x.index({1, Slice{1, std::nullopt, std::nullopt}, Slice{std::nullopt, std::nullopt, 2}}).shape() ==
        Shape{2, 2});
  CHECK(x.index({1, 2, 3}).dim() == 0);
  CHECK(x.index({1, 2, 3}).item().toDouble() == 23);
  CHECK(x.index({}).shape() == x.shape());
  CHECK_THROWS_WITH(x.index({0, 0, 0, 0}), "too many indices for tensor of dimension 3");
  CHECK_THROWS_WITH(x.index({TensorIndex::ellipsis(), TensorIndex::ellipsis()}),
                    "an index can only have a single ellipsis ('...')");
  CHECK_THROWS_WITH(x.index({0, 3}), "index 3 is out of bounds for dimension 0 with size 3");
  Tensor s = full({}, 5.0);
  CHECK(s.index({TensorIndex::none()}).shape() == Shape{1});
  CHECK(s.index({TensorIndex::ellipsis()}).dim() == 0);
}

TEST_CASE("advanced indexing with integer tensors", "[tensor][index]") {
  Tensor x = iota({5, 6});
  Tensor idx = make({4, 0, -1}, DType::Int64);
  Tensor rows = x.index({idx});
  CHECK(rows.shape() == Shape{3, 6});
  CHECK_FALSE(rows.sharesStorage(x));
  CHECK(values(rows.select(1, 0)) == std::vector<double>{24, 0, 24});

  // x[idx, 2:5]
  Tensor part = x.index({idx, Slice{2, 5, std::nullopt}});
  CHECK(part.shape() == Shape{3, 3});
  CHECK(values(part.select(0, 1)) == std::vector<double>{2, 3, 4});
  // x[:, idx] keeps the indexed dim in place.
  Tensor cols = x.index({Slice{}, make({5, 1}, DType::Int32)});
  CHECK(cols.shape() == Shape{5, 2});
  CHECK(values(cols.select(0, 1)) == std::vector<double>{11, 7});
  // Two index tensors broadcast together: pointwise gather.
  Tensor diag = x.index({make({0, 1, 2}, DType::Int64), make({0, 1, 2}, DType::Int64)});
  CHECK(values(diag) == std::vector<double>{0, 7, 14});
  // A 2-D index tensor.
  Tensor grid = x.index({make({1, 2, 3, 4}, {2, 2}, DType::Int64)});
  CHECK(grid.shape() == Shape{2, 2, 6});
  CHECK(grid.at({1, 0, 5}).toDouble() == 23);
  // Index dims separated by a slice go first (NumPy's rule).
  Tensor cube = iota({3, 4, 5});
  Tensor apart = cube.index({make({0, 2}, DType::Int64), Slice{}, make({1, 3}, DType::Int64)});
  CHECK(apart.shape() == Shape{2, 4});
  CHECK(apart.at({1, 2}).toDouble() == cube.at({2, 2, 3}).toDouble());
  Tensor together = cube.index({Slice{}, make({0, 3}, DType::Int64), make({1, 4}, DType::Int64)});
  CHECK(together.shape() == Shape{3, 2});
  // A 0-dim index tensor drops the dim, like an integer.
  CHECK(x.index({full({}, 2)}).shape() == Shape{6});

  CHECK_THROWS_WITH(x.index({make({7}, DType::Int64)}), "index 7 is out of bounds for dimension 0 with size 5");
  CHECK_THROWS_WITH(x.index({make({0.5})}), "tensors used as indices must be long, int, byte or bool tensors");
  CHECK_THROWS_WITH(x.index({make({0, 1}, DType::Int64), make({0, 1, 2}, DType::Int64)}),
                    "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
}

TEST_CASE("boolean mask indexing", "[tensor][index]") {
  Tensor x = make({1, -2, 3, -4, 5, -6}, {2, 3});
  Tensor mask = binary(BinaryOp::Gt, x, 0);
  Tensor picked = x.index({mask});
  CHECK(values(picked) == std::vector<double>{1, 3, 5});
  Tensor rows = x.index({make({0, 1}, DType::Bool)});
  CHECK(rows.shape() == Shape{1, 3});
  CHECK_THROWS_WITH(
      x.index({make({1, 0, 1}, DType::Bool)}),
      "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0");
  x.indexPut({mask}, 0.0);
  CHECK(values(x) == std::vector<double>{0, -2, 0, -4, 0, -6});
}

TEST_CASE("subscript assignment broadcasts the value", "[tensor][index]") {
  // The seed's conv2d spec: z[:, i, j] = (...).sum(1).sum(1)
  Tensor z = zeros({4, 8, 8});
  z.indexPut({Slice{}, 2, 3}, make({1, 2, 3, 4}));
  CHECK(values(z.index({Slice{}, 2, 3})) == std::vector<double>{1, 2, 3, 4});
  CHECK(z.at({0, 3, 2}).toDouble() == 0);

  Tensor x = zeros({3, 4}, DType::Int32);
  x.indexPut({Slice{}, Slice{1, 3, std::nullopt}}, 7);
  CHECK(values(x.select(0, 2)) == std::vector<double>{0, 7, 7, 0});
  x.indexPut({1}, make({1, 2, 3, 4}, {1, 4}));  // leading 1s of the value are dropped
  CHECK(values(x.select(0, 1)) == std::vector<double>{1, 2, 3, 4});
  x.indexPut({TensorIndex::ellipsis(), 0}, 2.9);  // converted as a cast: 2
  CHECK(values(x.select(1, 0)) == std::vector<double>{2, 2, 2});
  CHECK_THROWS_WITH(
      x.indexPut({0}, make({1, 2, 3})),
      "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 0.  "
      "Target sizes: [4].  Tensor sizes: [3]");
  CHECK_THROWS_WITH(x.indexPut({0}, int64_t{1} << 40), "value cannot be converted to type int without overflow");

  // Advanced assignment scatters.
  Tensor y = zeros({5});
  y.indexPut({make({4, 0}, DType::Int64)}, make({9, 8}));
  CHECK(values(y) == std::vector<double>{8, 0, 0, 0, 9});
  Tensor g = zeros({3, 4});
  g.indexPut({make({2, 0}, DType::Int64), Slice{1, 3, std::nullopt}}, 5.0);
  CHECK(values(g.select(0, 0)) == std::vector<double>{0, 5, 5, 0});
  CHECK(values(g.select(0, 1)) == std::vector<double>{0, 0, 0, 0});
  CHECK_THROWS_WITH(g.indexPut({make({0, 1}, DType::Int64)}, make({1, 2, 3})),
                    "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]");

  // An overlapping source is read before it is overwritten.
  Tensor v = arange(0, 5, 1);
  v.indexPut({Slice{1, std::nullopt, std::nullopt}}, v.slice(0, 0, 4));
  CHECK(values(v) == std::vector<double>{0, 0, 1, 2, 3});
  Tensor e = zeros({3}).unsqueeze(0).expand({2, 3});
  CHECK_THROWS_WITH(e.fill(1), "unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.");
}

TEST_CASE("casts and copies between dtypes and devices", "[tensor]") {
  Tensor x = make({-1.7, 0.5, 2.5, 300});
  CHECK(x.to(DType::Float32).sharesStorage(x));
  CHECK(values(x.to(DType::Int32)) == std::vector<double>{-1, 0, 2, 300});
  CHECK(values(x.to(DType::UInt8)) == std::vector<double>{255, 0, 2, 44});
  CHECK(values(x.to(DType::Bool)) == std::vector<double>{1, 1, 1, 1});
  CHECK(values(x.to(DType::Float16)) == std::vector<double>{-1.7001953125, 0.5, 2.5, 300});
  CHECK(values(make({1, 0, 3}, DType::Int64).to(DType::Bool)) == std::vector<double>{1, 0, 1});

  Tensor c = x.to(Device::cuda());
  CHECK(c.device() == Device::cuda());
  CHECK(c.device().str() == "cuda:0");
  CHECK_FALSE(c.sharesStorage(x));
  CHECK(values(c) == values(x));
  CHECK(c.to(Device::cuda()).sharesStorage(c));

  Tensor m = x.to(Device::meta());
  CHECK(m.isMeta());
  CHECK(m.shape() == x.shape());
  CHECK_THROWS_WITH(m.to(Device::cpu()), "Cannot copy out of meta tensor; no data!");
  CHECK_THROWS_WITH(m.data(), "Cannot access data pointer of Tensor that doesn't have storage");
  CHECK_THROWS_WITH(m.item(), "Tensor.item() cannot be called on meta tensors");

  Tensor dst = zeros({2, 3}, DType::Int64);
  dst.copyFrom(make({1.9, 2, 3}));
  CHECK(values(dst) == std::vector<double>{1, 2, 3, 1, 2, 3});
  CHECK_THROWS_WITH(make({1, 2, 3}).copyFrom(zeros({2, 3})),
                    "output with shape [3] doesn't match the broadcast shape [2, 3]");

  CHECK(Device::parse("cuda:1") == Device::cuda(1));
  CHECK(Device::parse("cuda") == Device::cuda());
  CHECK(Device::parse("meta") == Device::meta());
  CHECK_FALSE(Device::parse("gpu"));
  CHECK_FALSE(Device::parse("cuda:x"));
}

TEST_CASE("toScalars lists elements in row-major order", "[tensor]") {
  Tensor x = iota({2, 3}, DType::Int16).t();
  std::vector<Scalar> list = x.toScalars();
  REQUIRE(list.size() == 6);
  CHECK(list[1].toInt() == 3);
  CHECK(list[1].isInt());
  CHECK(make({1, 0}, DType::Bool).toScalars()[0].isBool());
}
