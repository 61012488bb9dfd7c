package dev.wharf.client.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link LocalFiles} of a tar archive: the headers are read once into an index, and files are then
 * read in place with positional reads, so many streams (parallel uploads) can read at once and
 * nothing is extracted. Understands ustar, POSIX pax ({@code path}, {@code size},
 * {@code linkpath}) and GNU long names; symbolic and hard links to regular files are followed.
 */
final class TarFiles implements LocalFiles {

    private record Entry(String name, char type, long offset, long size, String link) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> entries;

    private TarFiles(Path file, FileChannel channel, Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
    }

    static TarFiles open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new TarFiles(file, channel, index(file, channel));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Map<String, Entry> index(Path file, FileChannel channel) throws IOException {
        Map<String, Entry> entries = new HashMap<>();
        long position = 0;
        long length = channel.size();
        ByteBuffer block = ByteBuffer.allocate(TarHeaders.BLOCK);
        String longName = null;
        String longLink = null;
        Map<String, String> pax = Map.of();
        while (position + TarHeaders.BLOCK <= length) {
            block.clear();
            readFully(channel, block, position);
            byte[] h = block.array();
            if (isZero(h)) {
                break;
            }
            if (!TarHeaders.checksumMatches(h)) {
                throw new IOException(file + " is not a tar archive (bad header checksum at byte " + position + ")");
            }
            char type = (char) h[156];
            long size = TarHeaders.parseNumber(h, 124, 12);
            long data = position + TarHeaders.BLOCK;
            position = data + TarHeaders.padded(size);
            switch (type) {
                case 'x' -> {
                    pax = TarHeaders.parsePax(readString(channel, data, size));
                    continue;
                }
                case 'g' -> {
                    continue;
                }
                case 'L' -> {
                    longName = trimNul(readString(channel, data, size));
                    continue;
                }
                case 'K' -> {
                    longLink = trimNul(readString(channel, data, size));
                    continue;
                }
                default -> {
                    // a real entry
                }
            }
            String name = TarHeaders.name(h);
            String link = TarHeaders.string(h, 157, 100);
            if (longName != null) {
                name = longName;
            }
            if (longLink != null) {
                link = longLink;
            }
            if (pax.containsKey("path")) {
                name = pax.get("path");
            }
            if (pax.containsKey("linkpath")) {
                link = pax.get("linkpath");
            }
            if (pax.containsKey("size")) {
                size = Long.parseLong(pax.get("size"));
                position = data + TarHeaders.padded(size);
            }
            longName = null;
            longLink = null;
            pax = Map.of();
            String normalized = normalize(name);
            entries.put(normalized, new Entry(normalized, type == '\0' ? '0' : type, data, size, link));
        }
        return entries;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of tar archive");
            }
        }
    }

    private static String readString(FileChannel channel, long position, long size) throws IOException {
        if (size > 1024 * 1024) {
            throw new IOException("tar extended header of " + size + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        readFully(channel, b, position);
        return new String(b.array(), StandardCharsets.UTF_8);
    }

    private static String trimNul(String s) {
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static String normalize(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        if (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        // collapse a/./b and a/../b
        ArrayDeque<String> parts = new ArrayDeque<>();
        for (String p : n.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return String.join("/", parts);
    }

    /** The regular file {@code path} names, following links. */
    private Entry regular(String path) {
        Entry e = entries.get(normalize(path));
        for (int hops = 0; e != null && hops < 16; hops++) {
            if (e.type() == '0' || e.type() == '7') {
                return e;
            }
            if (e.type() == '1') {
                e = entries.get(normalize(e.link()));
            } else if (e.type() == '2') {
                String dir = e.name().contains("/") ? e.name().substring(0, e.name().lastIndexOf('/') + 1) : "";
                e = entries.get(normalize(e.link().startsWith("/") ? e.link() : dir + e.link()));
            } else {
                return null;
            }
        }
        return null;
    }

    @Override
    public long size(String path) {
        Entry e = regular(path);
        return e == null ? -1 : e.size();
    }

    @Override
    public InputStream open(String path, long offset) throws IOException {
        Entry e = regular(path);
        if (e == null) {
            throw new java.nio.file.NoSuchFileException(file + ": " + path);
        }
        return new RegionInputStream(channel, e.offset() + Math.min(offset, e.size()), e.offset() + e.size());
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Positional reads of one region of a shared channel. */
    static final class RegionInputStream extends InputStream {
        private final FileChannel channel;
        private final long end;
        private long position;

        RegionInputStream(FileChannel channel, long start, long end) {
            this.channel = channel;
            this.position = start;
            this.end = end;
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
            if (position >= end) {
                return -1;
            }
            int want = (int) Math.min(len, end - position);
            int n = channel.read(ByteBuffer.wrap(b, off, want), position);
            if (n < 0) {
                throw new IOException("tar archive ends inside an entry");
            }
            position += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, end - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }
    }
}
