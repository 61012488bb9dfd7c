package dev.wharf.client.archive;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Reads a stream as gzip (RFC 1952), compressing as it goes: a layer is compressed on its way to
 * the registry, never on disk. Input that does not compress (random data, already compressed
 * files) is detected per 1 MiB block from a 16 KiB sample and stored instead of deflated, which is
 * what makes compressing such layers nearly free; the output is still one ordinary gzip member.
 *
 * <p>The output is deterministic for the same input, level and zlib, so the same layer compresses
 * to the same digest on every push.
 */
public final class GzipCompressingStream extends InputStream {

    private static final int BLOCK = 1024 * 1024;
    private static final int SAMPLE = 16 * 1024;
    /**
     * A block whose sample does not shrink below this fraction is stored: deflating at 45 MB/s to
     * save a few percent is not worth it (and a tar header in a block of random data saves just that).
     */
    private static final double INCOMPRESSIBLE = 0.9;

    private final InputStream source;
    private final int level;
    private final Deflater deflater;
    private final Deflater probe;
    private final CRC32 crc = new CRC32();
    private final byte[] input = new byte[BLOCK];
    private final byte[] probeOut = new byte[SAMPLE + 1024];
    private final byte[] out = new byte[256 * 1024];
    private int outStart;
    private int outEnd;
    private long inputSize;
    private int currentLevel = -1;
    private boolean inputDone;
    private boolean trailerWritten;

    /**
     * @param source the uncompressed bytes (closed with this stream)
     * @param level  the deflate level for data that compresses, 1 (fastest) to 9 (smallest)
     */
    public GzipCompressingStream(InputStream source, int level) {
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 1..9, got " + level);
        }
        this.source = source;
        this.level = level;
        this.deflater = new Deflater(level, true);
        this.probe = new Deflater(1, true);
        // the gzip header: magic, deflate, no flags, no mtime, no extra flags, OS unknown
        byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
        System.arraycopy(header, 0, out, 0, header.length);
        outEnd = header.length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (outStart == outEnd) {
            if (trailerWritten) {
                return -1;
            }
            fill();
        }
        int n = Math.min(len, outEnd - outStart);
        System.arraycopy(out, outStart, b, off, n);
        outStart += n;
        return n;
    }

    private void fill() throws IOException {
        outStart = 0;
        outEnd = 0;
        if (deflater.needsInput() && !inputDone) {
            int n = readBlock();
            if (n > 0) {
                crc.update(input, 0, n);
                inputSize += n;
                int wanted = compressible(n) ? level : Deflater.NO_COMPRESSION;
                if (wanted != currentLevel) {
                    deflater.setLevel(wanted);
                    currentLevel = wanted;
                }
                deflater.setInput(input, 0, n);
            }
            if (n < BLOCK) {
                inputDone = true;
                deflater.finish();
            }
        }
        if (!deflater.finished()) {
            outEnd = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH);
        }
        if (deflater.finished() && !trailerWritten && out.length - outEnd >= 8) {
            writeIntLe((int) crc.getValue());
            writeIntLe((int) inputSize);
            trailerWritten = true;
        }
    }

    private boolean compressible(int n) {
        int sample = Math.min(n, SAMPLE);
        // from the middle of the block: its start is often a tar header
        int from = (n - sample) / 2;
        probe.reset();
        probe.setInput(input, from, sample);
        probe.finish();
        int compressed = 0;
        while (!probe.finished()) {
            compressed += probe.deflate(probeOut, 0, probeOut.length);
        }
        return compressed < sample * INCOMPRESSIBLE;
    }

    private int readBlock() throws IOException {
        int total = 0;
        while (total < BLOCK) {
            int n = source.read(input, total, BLOCK - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private void writeIntLe(int v) {
        out[outEnd++] = (byte) v;
        out[outEnd++] = (byte) (v >>> 8);
        out[outEnd++] = (byte) (v >>> 16);
        out[outEnd++] = (byte) (v >>> 24);
    }

    @Override
    public void close() throws IOException {
        deflater.end();
        probe.end();
        source.close();
    }
}
