/* Counters with one writer (the GEM/ESP worker, or the one thread when there
 * is none) that the control plane reads while the worker runs, for records:
 * relaxed atomic loads and stores, which cost what plain ones do on the
 * machines we run on, keep each read whole and tell the compiler (and
 * ThreadSanitizer) that another thread looks.  No read-modify-write: there
 * is one writer. */
#ifndef GEM_GEM_CTR_H
#define GEM_GEM_CTR_H

#define GEM_CTR_ADD(c, v) \
    __atomic_store_n(&(c), __atomic_load_n(&(c), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define GEM_CTR_INC(c) GEM_CTR_ADD(c, 1)
#define GEM_CTR_SET(c, v) __atomic_store_n(&(c), (v), __ATOMIC_RELAXED)
#define GEM_CTR(c) __atomic_load_n(&(c), __ATOMIC_RELAXED)

#endif
