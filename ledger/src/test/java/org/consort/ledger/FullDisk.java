package org.consort.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * A file system with {@code free} bytes left, for the ledger's chunk files: as on Linux when a
 * disk fills, a write that does not fit writes what fits and returns the shorter count, and the
 * next write fails with "No space left on device". Truncating a file gives its space back. With
 * {@link #failTruncate} set, truncation fails too (the cut back after a failed write cannot be
 * made). Deterministic; one writer thread.
 */
final class FullDisk implements Ledger.ChunkChannels {
    private long free;
    boolean failTruncate;
    /** Writes that failed for lack of space. */
    int failedWrites;

    FullDisk(long free) {
        this.free = free;
    }

    /** Frees space (an operator deleted files). */
    void free(long bytes) {
        free += bytes;
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return new Channel(FileChannel.open(file, options));
    }

    private final class Channel extends FileChannel {
        private final FileChannel d;

        Channel(FileChannel d) {
            this.d = d;
        }

        private ByteBuffer fitting(ByteBuffer src) throws IOException {
            if (free <= 0 && src.hasRemaining()) {
                failedWrites++;
                throw new IOException("No space left on device");
            }
            int n = (int) Math.min(src.remaining(), free);
            return src.slice(src.position(), n);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            ByteBuffer part = fitting(src);
            int n = d.write(part);
            src.position(src.position() + n);
            free -= n;
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            ByteBuffer part = fitting(src);
            long grows = Math.max(0, position + part.remaining() - d.size());
            int n = d.write(part, position);
            src.position(src.position() + n);
            free -= Math.min(grows, n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                if (!srcs[i].hasRemaining()) {
                    continue;
                }
                int w = write(srcs[i]);
                n += w;
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return n;
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            if (failTruncate) {
                throw new IOException("truncate failed (injected)");
            }
            long before = d.size();
            d.truncate(size);
            free += Math.max(0, before - d.size());
            return this;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return d.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return d.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return d.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            d.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            throw new UnsupportedOperationException("not used by the ledger");
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException("not used by the ledger");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new UnsupportedOperationException("not used by the ledger");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            throw new UnsupportedOperationException("not used by the ledger");
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            throw new UnsupportedOperationException("not used by the ledger");
        }

        @Override
        protected void implCloseChannel() throws IOException {
            d.close();
        }
    }
}
