// Errors, bookkeeping, creation, data access and autograd.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "shim.hpp"

using ctorch::ref;
using ctorch::wrap;

namespace ctorch {
std::atomic<int64_t> live_tensors{0};
static thread_local std::string last_error;
void set_error(const char *message) { last_error = message ? message : "(no message)"; }
}  // namespace ctorch

extern "C" {

const char *pt_last_error(void) { return ctorch::last_error.c_str(); }
int64_t pt_live_tensors(void) { return ctorch::live_tensors.load(); }

void pt_free(pt_tensor t) {
  if (t == nullptr) return;
  delete reinterpret_cast<at::Tensor *>(t);
  ctorch::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

void pt_swap(pt_tensor a, pt_tensor b) {
  if (a == nullptr || b == nullptr || a == b) return;
  std::swap(*reinterpret_cast<at::Tensor *>(a), *reinterpret_cast<at::Tensor *>(b));
}

void pt_manual_seed(uint64_t seed) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
}

pt_tensor pt_generator_state(void) {
  PT_TENSOR(({
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.get_state();
  }))
}

int pt_set_generator_state(pt_tensor state) {
  PT_STATUS({
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(ref(state));
  })
}

void pt_set_num_threads(int n) { at::set_num_threads(n); }
int pt_get_num_threads(void) { return at::get_num_threads(); }

int pt_set_grad_enabled(int enabled) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(enabled != 0);
  return previous;
}
int pt_is_grad_enabled(void) { return c10::GradMode::is_enabled(); }
int pt_cuda_is_available(void) { return at::hasCUDA(); }
int pt_cuda_device_count(void) {
  try {
    return at::hasCUDA() ? static_cast<int>(at::getNumGPUs()) : 0;
  }
  PT_CATCH(0)
}

// MARK: Creation

pt_tensor pt_undefined(void) { return wrap(at::Tensor()); }

pt_tensor pt_from_data(const void *data, const int64_t *shape, int ndim, int dtype) {
  PT_TENSOR(({
    auto options = at::TensorOptions().dtype(ctorch::scalar_type(dtype));
    auto t = at::empty(ctorch::dims(shape, ndim), options);
    if (t.numel() > 0) std::memcpy(t.data_ptr(), data, t.nbytes());
    t;
  }))
}

pt_tensor pt_full(const int64_t *shape, int ndim, double value, int dtype, int device,
                  int device_index) {
  PT_TENSOR(at::full(ctorch::dims(shape, ndim), value,
                     at::TensorOptions()
                         .dtype(ctorch::scalar_type(dtype))
                         .device(ctorch::device(device, device_index))))
}

pt_tensor pt_arange(double start, double end, double step, int dtype) {
  PT_TENSOR(at::arange(start, end, step, at::TensorOptions().dtype(ctorch::scalar_type(dtype))))
}

pt_tensor pt_linspace(double start, double end, int64_t steps, int dtype) {
  PT_TENSOR(at::linspace(start, end, steps, at::TensorOptions().dtype(ctorch::scalar_type(dtype))))
}

pt_tensor pt_eye(int64_t n, int64_t m, int dtype) {
  PT_TENSOR(at::eye(n, m, at::TensorOptions().dtype(ctorch::scalar_type(dtype))))
}

pt_tensor pt_rand(int kind, const int64_t *shape, int ndim, int dtype) {
  auto options = at::TensorOptions().dtype(ctorch::scalar_type(dtype));
  PT_TENSOR(kind == PT_RAND_NORMAL ? at::randn(ctorch::dims(shape, ndim), options)
                                   : at::rand(ctorch::dims(shape, ndim), options))
}

pt_tensor pt_randint(int64_t low, int64_t high, const int64_t *shape, int ndim) {
  PT_TENSOR(at::randint(low, high, ctorch::dims(shape, ndim), at::TensorOptions().dtype(at::kLong)))
}

pt_tensor pt_randperm(int64_t n) { PT_TENSOR(at::randperm(n, at::TensorOptions().dtype(at::kLong))) }
pt_tensor pt_bernoulli(pt_tensor p) { PT_TENSOR(at::bernoulli(ref(p))) }
pt_tensor pt_multinomial(pt_tensor p, int64_t samples, int replacement) {
  PT_TENSOR(at::multinomial(ref(p), samples, replacement != 0))
}
pt_tensor pt_standard_gamma(pt_tensor concentration) { PT_TENSOR(at::_standard_gamma(ref(concentration))) }

// MARK: Properties and data

int pt_defined(pt_tensor t) { return t != nullptr && ref(t).defined(); }
int pt_dim(pt_tensor t) {
  try {
    return static_cast<int>(ref(t).dim());
  }
  PT_CATCH(-1)
}
int pt_shape(pt_tensor t, int64_t *out) {
  PT_STATUS({
    auto sizes = ref(t).sizes();
    for (size_t i = 0; i < sizes.size(); ++i) out[i] = sizes[i];
  })
}
int pt_strides(pt_tensor t, int64_t *out) {
  PT_STATUS({
    auto strides = ref(t).strides();
    for (size_t i = 0; i < strides.size(); ++i) out[i] = strides[i];
  })
}
int pt_dtype(pt_tensor t) {
  try {
    return static_cast<int>(ref(t).scalar_type());
  }
  PT_CATCH(-1)
}
int pt_device(pt_tensor t, int *type, int *index) {
  PT_STATUS({
    auto d = ref(t).device();
    *type = static_cast<int>(d.type());
    *index = d.index();
  })
}
int64_t pt_numel(pt_tensor t) {
  try {
    return ref(t).numel();
  }
  PT_CATCH(-1)
}

int pt_copy_to(pt_tensor t, void *out, size_t nbytes, int dtype) {
  PT_STATUS({
    auto c = ref(t).detach().to(at::kCPU, ctorch::scalar_type(dtype)).contiguous();
    if (c.nbytes() != nbytes)
      throw std::invalid_argument("pt_copy_to: buffer holds " + std::to_string(nbytes) +
                                  " bytes but the tensor needs " + std::to_string(c.nbytes()));
    if (nbytes > 0) std::memcpy(out, c.data_ptr(), nbytes);
  })
}

int pt_item(pt_tensor t, double *out) { PT_STATUS(*out = ref(t).item<double>()) }

char *pt_to_string(pt_tensor t) {
  try {
    std::ostringstream stream;
    stream << ref(t);
    return strdup(stream.str().c_str());
  }
  PT_CATCH(nullptr)
}
void pt_free_string(char *s) { std::free(s); }

// MARK: Conversion and autograd

pt_tensor pt_to(pt_tensor t, int dtype, int device, int device_index) {
  PT_TENSOR(ref(t).to(ctorch::device(device, device_index), ctorch::scalar_type(dtype)))
}
pt_tensor pt_contiguous(pt_tensor t) { PT_TENSOR(ref(t).contiguous()) }
pt_tensor pt_clone(pt_tensor t) { PT_TENSOR(ref(t).clone()) }
pt_tensor pt_detach(pt_tensor t) { PT_TENSOR(ref(t).detach()) }
pt_tensor pt_alias(pt_tensor t) { PT_TENSOR(ref(t)) }
int pt_set_data(pt_tensor t, pt_tensor source) { PT_STATUS(ref(t).set_data(ref(source))) }
int pt_requires_grad(pt_tensor t) { return pt_defined(t) && ref(t).requires_grad(); }
int pt_set_requires_grad(pt_tensor t, int requires_grad) {
  PT_STATUS(ref(t).set_requires_grad(requires_grad != 0))
}

int pt_grad(pt_tensor t, pt_tensor *out) {
  PT_STATUS({
    const auto &g = ref(t).grad();
    *out = g.defined() ? wrap(g) : nullptr;
  })
}

int pt_set_grad(pt_tensor t, pt_tensor grad) {
  PT_STATUS(ref(t).mutable_grad() = ctorch::opt(grad))
}

int pt_backward(pt_tensor t, pt_tensor gradient, int retain_graph, int create_graph) {
  PT_STATUS({
    c10::optional<bool> retain;
    if (retain_graph) retain = true;
    ref(t).backward(ctorch::opt(gradient), retain, create_graph != 0);
  })
}

int pt_autograd_grad(const pt_tensor *outputs, int noutputs, const pt_tensor *grad_outputs,
                     const pt_tensor *inputs, int ninputs, int retain_graph, int create_graph,
                     int allow_unused, pt_tensor *results) {
  PT_STATUS({
    std::vector<at::Tensor> gradOutputs;
    if (grad_outputs != nullptr)
      for (int i = 0; i < noutputs; ++i) gradOutputs.push_back(ctorch::opt(grad_outputs[i]));
    auto grads = torch::autograd::grad(ctorch::list(outputs, noutputs), ctorch::list(inputs, ninputs),
                                       gradOutputs, retain_graph != 0 || create_graph != 0, create_graph != 0,
                                       allow_unused != 0);
    for (int i = 0; i < ninputs; ++i) results[i] = grads[i].defined() ? wrap(grads[i]) : nullptr;
  })
}

}  // extern "C"

// MARK: BLAS threads
// OpenBLAS is looked up at run time (libtorch links it through libblas.so.3), so the shim
// still builds and runs against another BLAS; OpenBLAS's pool is separate from libtorch's
// OpenMP threads, and on small machines the two oversubscribe the cores.
#include <dlfcn.h>

extern "C" {

int pt_set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) {
    ctorch::set_error("no OpenBLAS is loaded: cannot set the BLAS thread count");
    return -1;
  }
  set(n < 1 ? 1 : n);
  return 0;
}

int pt_get_blas_threads(void) {
  using GetThreads = int (*)(void);
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? -1 : get();
}

const char *pt_blas_core_name(void) {
  using GetCoreName = char *(*)(void);
  auto get = reinterpret_cast<GetCoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return get == nullptr ? nullptr : get();
}

}  // extern "C"

// MARK: Allocator
#include <malloc.h>

extern "C" void pt_keep_freed_memory(void) {
  mallopt(M_MMAP_MAX, 0);                // big blocks come from the heap, where freed memory is reused,
  mallopt(M_TRIM_THRESHOLD, 0x7fffffff);  // and the heap's free top is not given back
}
