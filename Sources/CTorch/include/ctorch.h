// A thin C ABI over libtorch. Plain C: opaque handles, no exceptions.
//
// Conventions:
// - A function returning `pt_tensor` returns a new handle that owns one reference to an
//   at::Tensor; the caller frees it with pt_free. NULL means failure.
// - A function returning `int` returns 0 on success and -1 on failure.
// - On failure, pt_last_error() holds libtorch's message (thread-local, valid until the
//   next failing call on the same thread). No C++ exception ever crosses this boundary.
// - Optional tensor arguments may be NULL.
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pt_tensor_s *pt_tensor;

// MARK: Errors, bookkeeping, global state

const char *pt_last_error(void);
/// Number of tensor handles alive (created and not yet freed).
int64_t pt_live_tensors(void);
void pt_free(pt_tensor t);
/// Exchanges the tensors two handles refer to, as `std::swap` (a module's functional call
/// puts explicit parameter tensors in place of its own and then back).
void pt_swap(pt_tensor a, pt_tensor b);
void pt_manual_seed(uint64_t seed);
/// The global CPU generator's state (a uint8 tensor), to put back with pt_set_generator_state.
pt_tensor pt_generator_state(void);
/// Fails (leaving the generator as it was) when `state` is not a state of the CPU generator.
int pt_set_generator_state(pt_tensor state);
void pt_set_num_threads(int n);
int pt_get_num_threads(void);
/// Sets grad mode for this thread; returns the previous mode.
int pt_set_grad_enabled(int enabled);
int pt_is_grad_enabled(void);
int pt_cuda_is_available(void);
int pt_cuda_device_count(void);

// MARK: Creation

/// An undefined tensor (what a failed op returns inside an error-checking scope).
pt_tensor pt_undefined(void);
/// Copies `data` (laid out contiguously in `dtype`) into a new CPU tensor.
pt_tensor pt_from_data(const void *data, const int64_t *shape, int ndim, int dtype);
pt_tensor pt_full(const int64_t *shape, int ndim, double value, int dtype, int device, int device_index);
pt_tensor pt_arange(double start, double end, double step, int dtype);
pt_tensor pt_linspace(double start, double end, int64_t steps, int dtype);
pt_tensor pt_eye(int64_t n, int64_t m, int dtype);
enum { PT_RAND_UNIFORM = 0, PT_RAND_NORMAL = 1 };
pt_tensor pt_rand(int kind, const int64_t *shape, int ndim, int dtype);
pt_tensor pt_randint(int64_t low, int64_t high, const int64_t *shape, int ndim);
pt_tensor pt_randperm(int64_t n);
pt_tensor pt_bernoulli(pt_tensor probabilities);
pt_tensor pt_multinomial(pt_tensor probabilities, int64_t samples, int replacement);
pt_tensor pt_standard_gamma(pt_tensor concentration);

// MARK: Properties and data

int pt_defined(pt_tensor t);
int pt_dim(pt_tensor t);
int pt_shape(pt_tensor t, int64_t *out);
int pt_strides(pt_tensor t, int64_t *out);
int pt_dtype(pt_tensor t);
int pt_device(pt_tensor t, int *type, int *index);
int64_t pt_numel(pt_tensor t);
/// Copies the tensor's values (converted to `dtype`, on CPU, contiguous) into `out`.
int pt_copy_to(pt_tensor t, void *out, size_t nbytes, int dtype);
int pt_item(pt_tensor t, double *out);
/// A malloc'd description; free with pt_free_string.
char *pt_to_string(pt_tensor t);
void pt_free_string(char *s);

// MARK: Conversion and autograd

pt_tensor pt_to(pt_tensor t, int dtype, int device, int device_index);
pt_tensor pt_contiguous(pt_tensor t);
pt_tensor pt_clone(pt_tensor t);
pt_tensor pt_detach(pt_tensor t);
/// Another handle to the same tensor (shares storage and autograd identity).
pt_tensor pt_alias(pt_tensor t);
/// Replaces t's data with source's (dtype and device may change) keeping t's identity, as
/// `param.data = source` does; used to convert a module's parameters in place.
int pt_set_data(pt_tensor t, pt_tensor source);
int pt_requires_grad(pt_tensor t);
int pt_set_requires_grad(pt_tensor t, int requires_grad);
/// Writes the gradient (or NULL when it is undefined) to *out.
int pt_grad(pt_tensor t, pt_tensor *out);
/// Sets the gradient; NULL resets it to undefined.
int pt_set_grad(pt_tensor t, pt_tensor grad);
int pt_backward(pt_tensor t, pt_tensor gradient, int retain_graph, int create_graph);
/// d outputs / d inputs; results[i] is NULL where an input is unused and allow_unused is set.
int pt_autograd_grad(const pt_tensor *outputs, int noutputs, const pt_tensor *grad_outputs,
                     const pt_tensor *inputs, int ninputs, int retain_graph, int create_graph,
                     int allow_unused, pt_tensor *results);

// MARK: Elementwise

enum {
  PT_NEG, PT_EXP, PT_LOG, PT_LOG1P, PT_EXPM1, PT_SQRT, PT_RSQRT, PT_ABS, PT_SIGN, PT_SIN,
  PT_COS, PT_TANH, PT_SIGMOID, PT_LOGSIGMOID, PT_RELU, PT_GELU, PT_ERF, PT_LGAMMA,
  PT_DIGAMMA, PT_FLOOR, PT_CEIL, PT_ROUND, PT_RECIPROCAL, PT_SQUARE, PT_LOGICAL_NOT,
  PT_ISNAN, PT_ISFINITE, PT_SILU, PT_LOG2, PT_ERFINV, PT_TAN, PT_ATAN, PT_SINH, PT_COSH,
  PT_ASIN, PT_ACOS
};
pt_tensor pt_unary(int op, pt_tensor a);

enum { PT_LEAKY_RELU, PT_ELU, PT_SOFTPLUS, PT_CLAMP, PT_POW_SCALAR, PT_HARDTANH, PT_CELU };
/// Elementwise ops with two scalar parameters; for clamp a NaN bound means "no bound".
pt_tensor pt_unary_param(int op, pt_tensor a, double p, double q);

enum {
  PT_ADD, PT_SUB, PT_MUL, PT_DIV, PT_POW, PT_MINIMUM, PT_MAXIMUM, PT_EQ, PT_NE, PT_LT,
  PT_LE, PT_GT, PT_GE, PT_LOGICAL_AND, PT_LOGICAL_OR, PT_LOGICAL_XOR, PT_ATAN2, PT_FMOD,
  PT_REMAINDER, PT_FLOOR_DIVIDE
};
pt_tensor pt_binary(int op, pt_tensor a, pt_tensor b);
/// `a op s`, or `s op a` when reversed is set.
pt_tensor pt_binary_scalar(int op, pt_tensor a, double s, int reversed);
pt_tensor pt_where(pt_tensor condition, pt_tensor a, pt_tensor b);
/// a + value * b * c and a + value * b / c.
pt_tensor pt_addcmul(pt_tensor a, pt_tensor b, pt_tensor c, double value);
pt_tensor pt_addcdiv(pt_tensor a, pt_tensor b, pt_tensor c, double value);

// MARK: In place (for optimisers, buffers and loading state)

enum { PT_INPLACE_ADD, PT_INPLACE_SUB, PT_INPLACE_MUL, PT_INPLACE_DIV, PT_INPLACE_COPY };
/// a op= alpha * b (alpha only for add and sub).
int pt_inplace(int op, pt_tensor a, pt_tensor b, double alpha);
enum { PT_INPLACE_ADD_SCALAR, PT_INPLACE_MUL_SCALAR, PT_INPLACE_FILL };
int pt_inplace_scalar(int op, pt_tensor a, double s);

// MARK: Reductions

enum {
  PT_SUM, PT_MEAN, PT_AMAX, PT_AMIN, PT_LOGSUMEXP, PT_PROD, PT_ANY, PT_ALL, PT_NORM, PT_VAR,
  PT_STD, PT_COUNT_NONZERO
};
/// Reduces over `dims` (all dimensions when ndims == 0). `p` is the norm's order or
/// var/std's correction.
pt_tensor pt_reduce(int op, pt_tensor a, const int64_t *dims, int ndims, int keepdim, double p);
/// Values and indices of the max (is_max) or min along dim.
int pt_minmax_dim(pt_tensor a, int64_t dim, int keepdim, int is_max, pt_tensor *values,
                  pt_tensor *indices);
pt_tensor pt_argminmax(pt_tensor a, int64_t dim, int keepdim, int is_max);
enum { PT_CUMSUM, PT_CUMPROD, PT_SOFTMAX, PT_LOG_SOFTMAX };
pt_tensor pt_along_dim(int op, pt_tensor a, int64_t dim);
int pt_topk(pt_tensor a, int64_t k, int64_t dim, int largest, pt_tensor *values,
            pt_tensor *indices);
int pt_sort(pt_tensor a, int64_t dim, int descending, pt_tensor *values, pt_tensor *indices);

// MARK: Shape and indexing

pt_tensor pt_reshape(pt_tensor a, const int64_t *shape, int ndim);
pt_tensor pt_permute(pt_tensor a, const int64_t *dims, int ndim);
pt_tensor pt_transpose(pt_tensor a, int64_t dim0, int64_t dim1);
/// Squeezes `dim`, or every size-1 dimension when all is set.
pt_tensor pt_squeeze(pt_tensor a, int64_t dim, int all);
pt_tensor pt_unsqueeze(pt_tensor a, int64_t dim);
pt_tensor pt_expand(pt_tensor a, const int64_t *shape, int ndim);
pt_tensor pt_repeat(pt_tensor a, const int64_t *repeats, int ndim);
pt_tensor pt_flip(pt_tensor a, const int64_t *dims, int ndim);
pt_tensor pt_cat(const pt_tensor *tensors, int n, int64_t dim);
pt_tensor pt_stack(const pt_tensor *tensors, int n, int64_t dim);
/// Splits into pieces of the given sizes along dim; writes nsizes handles to out.
int pt_split(pt_tensor a, const int64_t *sizes, int nsizes, int64_t dim, pt_tensor *out);
pt_tensor pt_slice(pt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step);
pt_tensor pt_select(pt_tensor a, int64_t dim, int64_t index);
pt_tensor pt_index_select(pt_tensor a, int64_t dim, pt_tensor index);
pt_tensor pt_gather(pt_tensor a, int64_t dim, pt_tensor index);
/// Out-of-place scatter (add when accumulate is set).
pt_tensor pt_scatter(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, int accumulate);
pt_tensor pt_masked_fill(pt_tensor a, pt_tensor mask, double value);
pt_tensor pt_masked_select(pt_tensor a, pt_tensor mask);
pt_tensor pt_nonzero(pt_tensor a);
/// Upper (upper set) or lower triangle with the given diagonal offset.
pt_tensor pt_triangle(pt_tensor a, int64_t diagonal, int upper);
pt_tensor pt_diagonal(pt_tensor a, int64_t offset, int64_t dim1, int64_t dim2);
pt_tensor pt_diag_embed(pt_tensor a);
pt_tensor pt_one_hot(pt_tensor indices, int64_t classes);

// MARK: Linear algebra

pt_tensor pt_matmul(pt_tensor a, pt_tensor b);
pt_tensor pt_bmm(pt_tensor a, pt_tensor b);
/// p-norm distances between the rows of a [B, P, M] and b [B, R, M]: [B, P, R].
pt_tensor pt_cdist(pt_tensor a, pt_tensor b, double p);
pt_tensor pt_einsum(const char *equation, const pt_tensor *tensors, int n);
pt_tensor pt_cholesky(pt_tensor a, int upper);
pt_tensor pt_cholesky_solve(pt_tensor b, pt_tensor factor, int upper);
pt_tensor pt_solve_triangular(pt_tensor a, pt_tensor b, int upper, int left, int unitriangular);
pt_tensor pt_solve(pt_tensor a, pt_tensor b);
pt_tensor pt_inverse(pt_tensor a);
int pt_slogdet(pt_tensor a, pt_tensor *sign, pt_tensor *logabsdet);
int pt_eigh(pt_tensor a, pt_tensor *eigenvalues, pt_tensor *eigenvectors);

// MARK: Neural-network functions

pt_tensor pt_linear(pt_tensor x, pt_tensor weight, pt_tensor bias);
pt_tensor pt_conv2d(pt_tensor x, pt_tensor weight, pt_tensor bias, const int64_t *stride,
                    const int64_t *padding, const int64_t *dilation, int64_t groups);
pt_tensor pt_conv_transpose2d(pt_tensor x, pt_tensor weight, pt_tensor bias,
                              const int64_t *stride, const int64_t *padding,
                              const int64_t *output_padding, const int64_t *dilation,
                              int64_t groups);
pt_tensor pt_max_pool2d(pt_tensor x, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding);
pt_tensor pt_avg_pool2d(pt_tensor x, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding);
pt_tensor pt_adaptive_pool2d(pt_tensor x, const int64_t *output_size, int is_max);
/// Batch norm over dimension 1; updates running statistics in place when training.
pt_tensor pt_batch_norm(pt_tensor x, pt_tensor weight, pt_tensor bias, pt_tensor running_mean,
                        pt_tensor running_var, int training, double momentum, double eps);
pt_tensor pt_group_norm(pt_tensor x, int64_t groups, pt_tensor weight, pt_tensor bias,
                        double eps);
pt_tensor pt_layer_norm(pt_tensor x, const int64_t *normalized_shape, int ndim,
                        pt_tensor weight, pt_tensor bias, double eps);
pt_tensor pt_dropout(pt_tensor x, double p, int training);
enum { PT_INTERP_NEAREST, PT_INTERP_BILINEAR };
pt_tensor pt_interpolate2d(pt_tensor x, const int64_t *size, int mode, int align_corners);
pt_tensor pt_pixel_shuffle(pt_tensor x, int64_t factor);
enum { PT_PAD_CONSTANT, PT_PAD_REFLECT, PT_PAD_REPLICATE, PT_PAD_CIRCULAR };
pt_tensor pt_pad(pt_tensor x, const int64_t *pads, int npads, int mode, double value);
pt_tensor pt_embedding(pt_tensor weight, pt_tensor indices);

enum { PT_REDUCTION_NONE = 0, PT_REDUCTION_MEAN = 1, PT_REDUCTION_SUM = 2 };
/// Cross-entropy from logits and class indices (or class probabilities when target is float).
pt_tensor pt_cross_entropy(pt_tensor logits, pt_tensor target, pt_tensor weight, int reduction,
                           int64_t ignore_index, double label_smoothing);
pt_tensor pt_nll_loss(pt_tensor log_probs, pt_tensor target, pt_tensor weight, int reduction,
                      int64_t ignore_index);
pt_tensor pt_bce_with_logits(pt_tensor logits, pt_tensor target, pt_tensor weight,
                             pt_tensor pos_weight, int reduction);
pt_tensor pt_binary_cross_entropy(pt_tensor probabilities, pt_tensor target, pt_tensor weight,
                                  int reduction);
pt_tensor pt_mse_loss(pt_tensor input, pt_tensor target, int reduction);

// MARK: Fused optimiser steps (one call updates every parameter of a group)

/// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD.
/// `momentum_buffers` entries may be NULL on the first step; new buffers are written back.
int pt_sgd_step(pt_tensor *params, int n, pt_tensor *momentum_buffers, double lr,
                double momentum, double dampening, double weight_decay, int nesterov);
/// Adam/AdamW as torch.optim (decoupled weight decay when `decoupled` is set). `steps[i]` is
/// parameter i's update count: the step increments it when the parameter has a gradient and
/// uses it for bias correction (torch.optim counts per parameter, so one whose first gradient
/// comes late still gets first-step correction).
int pt_adam_step(pt_tensor *params, int n, pt_tensor *exp_avgs, pt_tensor *exp_avg_sqs,
                 double lr, double beta1, double beta2, double eps, double weight_decay,
                 int decoupled, int64_t *steps, int amsgrad, pt_tensor *max_exp_avg_sqs);
/// RMSprop as torch.optim.RMSprop (centered, momentum).
int pt_rmsprop_step(pt_tensor *params, int n, pt_tensor *square_avgs, pt_tensor *grad_avgs,
                    pt_tensor *momentum_buffers, double lr, double alpha, double eps,
                    double weight_decay, double momentum, int centered);
/// Scales gradients so their global L2 norm is at most max_norm; writes the norm before.
int pt_clip_grad_norm(pt_tensor *params, int n, double max_norm, double *total_norm);

// MARK: BLAS threads

/// Sets the threads of the BLAS libtorch calls into, when that is OpenBLAS (found at run
/// time); returns -1 with a message when no OpenBLAS is loaded.
int pt_set_blas_threads(int n);
/// OpenBLAS's current thread count, or -1 when no OpenBLAS is loaded.
int pt_get_blas_threads(void);
/// The kernel family OpenBLAS chose for this CPU (e.g. "SkylakeX", "Prescott"), or NULL when no
/// OpenBLAS is loaded. The string is OpenBLAS's own; do not free it.
const char *pt_blas_core_name(void);

// MARK: Allocator

/// Makes glibc keep freed memory in the heap for reuse: no mmap for big blocks, no trimming.
void pt_keep_freed_memory(void);

#ifdef __cplusplus
}
#endif

#endif
