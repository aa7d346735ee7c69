// OpenBLAS's CBLAS interface, for the built-in model's matrix products.
#include <cblas.h>
