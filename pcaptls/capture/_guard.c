/* pcaptls.capture._guard: keeps a mapped capture that shrinks under the reader from killing the process.
 *
 * Owns: a SIGBUS handler for the mappings it watches. When another program truncates a file while pcaptls
 * reads it through mmap (a rotating writer, `truncate`, a copy being redone), touching a page past the new end
 * raises SIGBUS, whose default action kills the process with no message. For a fault inside a watched
 * mapping the handler puts a page of zeros where the lost page was (mmap MAP_FIXED | MAP_ANONYMOUS), notes
 * the lowest faulting offset, and returns: the load is retried and reads zeros. The reader asks `fault(slot)`
 * before it trusts what it read, and reports the truncation there. A fault anywhere else goes to the handler
 * that was there before (the default action, or faulthandler), as if this module did not exist.
 *
 * watch(buffer) -> slot      register a mapped buffer (an mmap.mmap); installs the handler
 * fault(slot) -> int         offset of the first page that faulted, or -1
 * unwatch(slot)              before the mapping is closed
 *
 * The pure-Python twin is not to map at all (capture/files.py reads the file instead when this module is
 * not built or PCAPTLS_PURE_PYTHON is set).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 64

typedef struct {
    volatile uintptr_t base;        /* 0: free */
    volatile uintptr_t len;
    volatile uintptr_t fault;       /* offset + 1 of the lowest page that faulted; 0: none */
} Slot;

static Slot slots[SLOTS];
static struct sigaction previous;   /* what SIGBUS did before the handler was installed */
static uintptr_t page_size;

static void handler(int sig, siginfo_t *info, void *context) {
    uintptr_t addr = (uintptr_t)info->si_addr;
    if (info->si_code > 0) {        /* a real fault (not a signal sent by kill/raise) */
        for (int i = 0; i < SLOTS; i++) {
            uintptr_t base = slots[i].base, len = slots[i].len;
            if (base == 0 || addr < base || addr - base >= len) continue;
            uintptr_t page = addr & ~(page_size - 1);
            if (mmap((void *)page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                == MAP_FAILED)
                break;
            uintptr_t offset = (page > base ? page - base : 0) + 1;
            if (slots[i].fault == 0 || offset < slots[i].fault) slots[i].fault = offset;
            return;
        }
    }
    /* not ours: what was there before us; returning retries the load, which faults again under it */
    sigaction(SIGBUS, &previous, NULL);
    if (info->si_code <= 0) raise(sig);
    (void)context;
}

static int install(void) {
    struct sigaction now;
    if (sigaction(SIGBUS, NULL, &now) < 0) return -1;
    if ((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == handler) return 0;   /* already ours */
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = handler;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    return sigaction(SIGBUS, &ours, &previous);   /* installed after faulthandler (pytest): ours runs first */
}

static int slot_of(PyObject *arg) {
    long slot = PyLong_AsLong(arg);
    if (slot == -1 && PyErr_Occurred()) return -1;
    if (slot < 0 || slot >= SLOTS || slots[slot].base == 0) {
        PyErr_SetString(PyExc_ValueError, "not a watched slot");
        return -1;
    }
    return (int)slot;
}

static PyObject *watch(PyObject *module, PyObject *arg) {
    (void)module;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    uintptr_t base = (uintptr_t)view.buf, len = (uintptr_t)view.len;
    PyBuffer_Release(&view);        /* the caller keeps the mapping open until unwatch() */
    if (base == 0 || len == 0) {
        PyErr_SetString(PyExc_ValueError, "nothing mapped");
        return NULL;
    }
    if (install() < 0) return PyErr_SetFromErrno(PyExc_OSError);
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].base == 0) {
            slots[i].fault = 0;
            slots[i].len = len;
            slots[i].base = base;   /* last: the handler only looks at slots with a base */
            return PyLong_FromLong(i);
        }
    }
    PyErr_SetString(PyExc_OSError, "too many watched mappings");
    return NULL;
}

static PyObject *fault(PyObject *module, PyObject *arg) {
    (void)module;
    int i = slot_of(arg);
    if (i < 0) return NULL;
    uintptr_t offset = slots[i].fault;
    return offset ? PyLong_FromSize_t((size_t)(offset - 1)) : PyLong_FromLong(-1);
}

static PyObject *unwatch(PyObject *module, PyObject *arg) {
    (void)module;
    int i = slot_of(arg);
    if (i < 0) return NULL;
    slots[i].base = 0;
    slots[i].len = 0;
    slots[i].fault = 0;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"watch", watch, METH_O, "watch(mapped buffer) -> slot: survive SIGBUS in it from now on."},
    {"fault", fault, METH_O, "fault(slot) -> offset of the first page that faulted (the file shrank), or -1."},
    {"unwatch", unwatch, METH_O, "unwatch(slot): before the mapping is closed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pcaptls.capture._guard",
    .m_doc = "Optional: lets the capture reader map files that may shrink under it (see capture/files.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__guard(void) {
    long size = sysconf(_SC_PAGESIZE);
    page_size = size > 0 ? (uintptr_t)size : 4096;
    return PyModule_Create(&module);
}
