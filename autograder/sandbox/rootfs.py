"""The student's own view of the filesystem (as root, in a mount namespace of its own).

The work folder is a tmpfs of a fixed size and number of files, mounted where
the grader can read it. The student's root is a fresh tmpfs holding only, read
only: the system and Python install prefixes, the training splits of the data
(test splits and archives are empty files of the same name, so torchvision
still finds them), the three devices it needs, a /proc of its own PID
namespace, and its work folder. Everything else, the grader's repository,
other students' folders, the course folder, does not exist for it.
"""

from __future__ import annotations

import ctypes
import os

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MNT_DETACH = 2
_SYS_PIVOT_ROOT = 155

DEVICES = ("null", "zero", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(kind), ctypes.c_ulong(flags), encode(options)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def mount_work_folder(work_dir: str, size_bytes: int, inodes: int, uid: int) -> None:
    """A tmpfs of `size_bytes` and `inodes` files on `work_dir`, owned by `uid` (in the launcher's namespace)."""
    _mount("tmpfs", work_dir, "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"size={size_bytes},nr_inodes={inodes},mode=0700,uid={uid},gid={uid}")


def unmount(path: str) -> bool:
    return _libc.umount2(os.fsencode(path), _MNT_DETACH) == 0


def enter_private_root(new_root: str, read_paths: list[str], data_files: list[tuple[str, bool]],
                       hidden: list[str], work_dir: str) -> None:
    """Makes `new_root` (an empty folder) this process's root, holding only what the docstring above lists.

    `data_files`: (path, readable) pairs; unreadable ones appear as empty files.
    `hidden`: folders inside `read_paths` that must look empty (the grader's package, if installed there).
    """
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing mounted here shows outside
    _mount("tmpfs", new_root, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=8m,mode=0755")
    for path in read_paths:
        _bind_read_only(path, new_root)
    for path in hidden:
        if os.path.isdir(new_root + path):
            _mount("tmpfs", new_root + path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=4k,mode=0555")
    for path, readable in data_files:
        if readable:
            _bind_read_only(path, new_root)
        else:
            _make_empty_file(new_root + path)
    _make_devices(new_root)
    os.makedirs(new_root + "/proc", exist_ok=True)
    _mount("proc", new_root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.makedirs(new_root + work_dir, exist_ok=True)
    _mount(work_dir, new_root + work_dir, None, _MS_BIND)
    old_root = new_root + "/.old-root"
    os.mkdir(old_root)
    if _libc.syscall(_SYS_PIVOT_ROOT, os.fsencode(new_root), os.fsencode(old_root)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"pivot_root: {os.strerror(error)}")
    os.chdir("/")
    if _libc.umount2(b"/.old-root", _MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), "cannot detach the old root")
    os.rmdir("/.old-root")
    _mount(None, "/", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def _bind_read_only(path: str, new_root: str) -> None:
    if not os.path.lexists(path) or os.path.lexists(new_root + path):
        return
    _make_parents(new_root + path)
    if os.path.islink(path):  # /lib -> usr/lib on merged-/usr systems: the same link, no mount
        os.symlink(os.readlink(path), new_root + path)
        return
    if os.path.isdir(path):
        os.mkdir(new_root + path)
    else:
        _make_empty_file(new_root + path)
    _mount(path, new_root + path, None, _MS_BIND | _MS_REC)
    _mount(None, new_root + path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def _make_devices(new_root: str) -> None:
    """/dev with null, zero and urandom (and a GPU's nodes, where the grader has one), read only."""
    dev = new_root + "/dev"
    os.makedirs(dev, exist_ok=True)
    _mount("tmpfs", dev, "tmpfs", _MS_NOSUID, "size=64k,mode=0755")
    for name in devices():
        _make_empty_file(f"{dev}/{name}")
        _mount(f"/dev/{name}", f"{dev}/{name}", None, _MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    _mount(None, dev, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID)


def devices() -> list[str]:
    """The devices a student may open: DEVICES, and a GPU's nodes where the grader has one (to grade on it)."""
    gpu = sorted(name for name in os.listdir("/dev") if name.startswith("nvidia") and not os.path.isdir(f"/dev/{name}"))
    return [name for name in (*DEVICES, *gpu) if os.path.exists(f"/dev/{name}")]


def _make_parents(path: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)


def _make_empty_file(path: str) -> None:
    _make_parents(path)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL | os.O_NOFOLLOW, 0o444))
