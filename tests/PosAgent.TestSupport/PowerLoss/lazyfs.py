#!/usr/bin/python3
"""A FUSE filesystem that forgets what was never made durable, to simulate a power cut.

Everything lives in memory. Each file keeps two copies of its bytes: what programs see now, and
what an fsync made durable. Each folder likewise keeps its current names and the names an fsync
of the folder made durable (the strictest reading of POSIX: creating, renaming or removing a name
is durable only once its folder is fsync'ed; ext4 and xfs often persist more, never less).

On "cut" every file and folder falls back to its durable copy, as after a power cut: unsynced
writes, new names and renames vanish, removed names come back. Like Jepsen's LazyFS, but small
enough to read and owned by this project.

Protocol (line based, so the test drives it without sockets):
  stdout "ready"     once the mount serves requests
  stdin  "cut"       -> drop everything unsynced, answer "cut-done"
  stdin  "stats"     -> answer "stats fsync=N fsyncdir=N writes=N"
  stdin  "fail ENOSPC" (or EIO, EROFS) -> from now on every write, truncate and fsync
                        fails with that errno, as a full or failing disk does; answer "fail-done"
  stdin  "heal"      -> writes work again; answer "heal-done"
  stdin EOF          -> unmount and exit (so a killed test never leaves a mount behind)

Usage: lazyfs.py MOUNTPOINT
"""

import errno
import os
import stat
import subprocess
import sys
import threading
import time

import fusepy


class Node:
    def __init__(self, mode):
        self.mode = mode
        now = time.time()
        self.mtime = now
        self.ctime = now


class File(Node):
    def __init__(self, mode):
        super().__init__(stat.S_IFREG | mode)
        self.data = bytearray()
        self.durable = bytearray()
        # Writes and truncations since the last fsync, replayed onto `durable` by fsync so an
        # fsync costs what was written, not the file's size (a WAL file is synced per commit).
        self.pending = []

    def write(self, offset, buf):
        end = offset + len(buf)
        if end > len(self.data):
            self.data.extend(b"\0" * (end - len(self.data)))
        self.data[offset:end] = buf
        self.pending.append((offset, bytes(buf)))

    def truncate(self, length):
        _resize(self.data, length)
        self.pending.append((None, length))

    def sync(self):
        for offset, item in self.pending:
            if offset is None:
                _resize(self.durable, item)
            else:
                end = offset + len(item)
                if end > len(self.durable):
                    self.durable.extend(b"\0" * (end - len(self.durable)))
                self.durable[offset:end] = item
        self.pending.clear()

    def cut(self):
        self.data = bytearray(self.durable)
        self.pending.clear()


class Dir(Node):
    def __init__(self, mode):
        super().__init__(stat.S_IFDIR | mode)
        self.entries = {}
        self.durable = {}

    def sync(self):
        self.durable = dict(self.entries)

    def cut(self):
        self.entries = dict(self.durable)


def _resize(buf, length):
    if length < len(buf):
        del buf[length:]
    else:
        buf.extend(b"\0" * (length - len(buf)))


class LazyFs(fusepy.Operations):
    use_ns = False

    def __init__(self):
        self.root = Dir(0o755)
        self.root.durable = {}
        self.handles = {}
        self.next_fh = 1
        self._mutex = threading.Lock()
        self.fsyncs = 0
        self.dir_fsyncs = 0
        self.writes = 0
        self.failure = None  # an errno every change fails with (the "fail" command), or None

    # --- helpers -----------------------------------------------------------------------------
    def _lookup(self, path):
        node = self.root
        for part in (p for p in path.split("/") if p):
            if not isinstance(node, Dir) or part not in node.entries:
                raise fusepy.FuseOSError(errno.ENOENT)
            node = node.entries[part]
        return node

    def _parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        parent = self._lookup(head or "/")
        if not isinstance(parent, Dir):
            raise fusepy.FuseOSError(errno.ENOTDIR)
        return parent, name

    def _node(self, path, fh):
        if fh:
            return self.handles[fh]
        return self._lookup(path)

    def _open_handle(self, node):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = node
        return fh

    def cut(self):
        with self._mutex:
            seen = set()
            stack = [self.root]
            # Every node ever reachable falls back; unreachable ones are simply forgotten.
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    continue
                seen.add(id(node))
                node.cut()
                if isinstance(node, Dir):
                    stack.extend(node.entries.values())
            for node in self.handles.values():
                if id(node) not in seen:
                    node.cut()

    # --- operations ----------------------------------------------------------------------------
    def __call__(self, op, *args):
        with self._mutex:
            return super().__call__(op, *args)

    def init(self, path):
        print("ready", flush=True)

    def getattr(self, path, fh=None):
        node = self._node(path, fh)
        size = len(node.data) if isinstance(node, File) else 4096
        return dict(st_mode=node.mode, st_nlink=2 if isinstance(node, Dir) else 1, st_size=size,
                    st_blocks=(size + 511) // 512, st_uid=os.getuid(), st_gid=os.getgid(),
                    st_atime=node.mtime, st_mtime=node.mtime, st_ctime=node.ctime)

    def readdir(self, path, fh):
        return [".", ".."] + list(self._lookup(path).entries)

    def mkdir(self, path, mode):
        parent, name = self._parent(path)
        if name in parent.entries:
            raise fusepy.FuseOSError(errno.EEXIST)
        parent.entries[name] = Dir(mode & 0o7777)

    def rmdir(self, path):
        parent, name = self._parent(path)
        node = self._lookup(path)
        if not isinstance(node, Dir):
            raise fusepy.FuseOSError(errno.ENOTDIR)
        if node.entries:
            raise fusepy.FuseOSError(errno.ENOTEMPTY)
        del parent.entries[name]

    def create(self, path, mode, fi=None):
        parent, name = self._parent(path)
        node = parent.entries.get(name)
        if node is None:
            node = File(mode & 0o7777)
            parent.entries[name] = node
        return self._open_handle(node)

    def open(self, path, flags):
        node = self._lookup(path)
        if flags & os.O_TRUNC and isinstance(node, File):
            node.truncate(0)
        return self._open_handle(node)

    def opendir(self, path):
        self._lookup(path)
        return 0

    def release(self, path, fh):
        self.handles.pop(fh, None)
        return 0

    def read(self, path, size, offset, fh):
        node = self._node(path, fh)
        return bytes(node.data[offset:offset + size])

    def _check_failure(self):
        if self.failure is not None:
            raise fusepy.FuseOSError(self.failure)

    def write(self, path, data, offset, fh):
        self._check_failure()
        node = self._node(path, fh)
        node.write(offset, data)
        node.mtime = time.time()
        self.writes += 1
        return len(data)

    def truncate(self, path, length, fh=None):
        self._check_failure()
        node = self._node(path, fh)
        node.truncate(length)
        node.mtime = time.time()

    def fsync(self, path, datasync, fh):
        self._check_failure()
        self._node(path, fh).sync()
        self.fsyncs += 1
        return 0

    def fsyncdir(self, path, datasync, fh):
        self._lookup(path).sync()
        self.dir_fsyncs += 1
        return 0

    def flush(self, path, fh):
        return 0

    def unlink(self, path):
        parent, name = self._parent(path)
        if name not in parent.entries:
            raise fusepy.FuseOSError(errno.ENOENT)
        del parent.entries[name]

    def rename(self, old, new):
        old_parent, old_name = self._parent(old)
        new_parent, new_name = self._parent(new)
        if old_name not in old_parent.entries:
            raise fusepy.FuseOSError(errno.ENOENT)
        new_parent.entries[new_name] = old_parent.entries.pop(old_name)

    def chmod(self, path, mode):
        node = self._lookup(path)
        node.mode = (node.mode & ~0o7777) | (mode & 0o7777)
        return 0

    def chown(self, path, uid, gid):
        return 0

    def utimens(self, path, times=None):
        node = self._lookup(path)
        node.mtime = times[1] if times else time.time()
        return 0

    def statfs(self, path):
        return dict(f_bsize=4096, f_frsize=4096, f_blocks=1 << 20, f_bfree=1 << 19,
                    f_bavail=1 << 19, f_files=1 << 16, f_ffree=1 << 15, f_namemax=255)

    def set_failure(self, failure):
        with self._mutex:
            self.failure = failure

    def stats(self):
        with self._mutex:
            return f"stats fsync={self.fsyncs} fsyncdir={self.dir_fsyncs} writes={self.writes}"


def serve_commands(fs, mountpoint):
    for line in sys.stdin:
        command = line.strip()
        if command == "cut":
            fs.cut()
            print("cut-done", flush=True)
        elif command == "stats":
            print(fs.stats(), flush=True)
        elif command.startswith("fail "):
            fs.set_failure(getattr(errno, command.split()[1]))
            print("fail-done", flush=True)
        elif command == "heal":
            fs.set_failure(None)
            print("heal-done", flush=True)
    # The test is gone (or done): never leave a mount behind.
    subprocess.run(["fusermount", "-u", "-z", mountpoint], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    mountpoint = sys.argv[1]
    fs = LazyFs()
    threading.Thread(target=serve_commands, args=(fs, mountpoint), daemon=True).start()
    # Single threaded, no caching of names or attributes in the kernel (a cut changes them
    # behind its back); hard_remove so a file removed while open has no hidden stand-in name.
    fusepy.FUSE(fs, mountpoint, foreground=True, nothreads=True, hard_remove=True,
                entry_timeout=0, attr_timeout=0, negative_timeout=0, default_permissions=True,
                allow_other=True)


if __name__ == "__main__":
    main()
