package dev.wharf.client.archive;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tar header blocks: POSIX ustar, with a pax extended header before an entry whose name or size
 * does not fit.
 *
 * @see <a href="https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html">POSIX pax format</a>
 */
final class TarHeaders {

    static final int BLOCK = 512;
    /** The largest size the 11 octal digits of a ustar header hold. */
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private TarHeaders() {
    }

    /** Bytes of padding after {@code size} bytes of data. */
    static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    /**
     * The header block(s) of a regular file: one ustar block, preceded by a pax header and its
     * data when the name or the size needs it.
     */
    static byte[] file(String name, long size, long mtimeSeconds) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        Map<String, String> pax = new LinkedHashMap<>();
        if (nameBytes.length > 100) {
            pax.put("path", name);
        }
        if (size > MAX_OCTAL_SIZE) {
            pax.put("size", Long.toString(size));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String paxName = "PaxHeaders/" + tail(name, 80);
            out.writeBytes(block(paxName, records.length, 'x', mtimeSeconds));
            out.writeBytes(records);
            out.writeBytes(new byte[(int) (padded(records.length) - records.length)]);
        }
        out.writeBytes(block(tail(name, 100), Math.min(size, MAX_OCTAL_SIZE), '0', mtimeSeconds));
        return out.toByteArray();
    }

    /** The two zero blocks that end an archive. */
    static byte[] end() {
        return new byte[2 * BLOCK];
    }

    private static String tail(String name, int maxBytes) {
        String n = name;
        while (n.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            n = n.substring(1);
        }
        return n;
    }

    private static byte[] block(String name, long size, char type, long mtime) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        // checksum: computed with the field as spaces, written as 6 octal digits, NUL, space
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String digits = String.format("%06o", sum);
        put(h, 148, 6, digits.getBytes(StandardCharsets.US_ASCII));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static byte[] paxRecords(Map<String, String> pax) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : pax.entrySet()) {
            String body = " " + e.getKey() + "=" + e.getValue() + "\n";
            int bodyLength = body.getBytes(StandardCharsets.UTF_8).length;
            int length = bodyLength + 1;
            while (Integer.toString(length).length() + bodyLength != length) {
                length = Integer.toString(length).length() + bodyLength;
            }
            out.writeBytes((length + body).getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static void put(byte[] h, int offset, int length, byte[] value) {
        System.arraycopy(value, 0, h, offset, Math.min(length, value.length));
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - s.length())) + s;
        put(h, offset, length - 1, padded.getBytes(StandardCharsets.US_ASCII));
        h[offset + length - 1] = 0;
    }

    // ---- reading ---------------------------------------------------------------------------

    static boolean checksumMatches(byte[] h) {
        long stored = parseNumber(h, 148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += b & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : h[i];
        }
        return stored == unsigned || stored == signed;
    }

    /** An octal field, or a base-256 one (GNU: first byte has the high bit set). */
    static long parseNumber(byte[] h, int offset, int length) {
        if ((h[offset] & 0x80) != 0) {
            long v = h[offset] & 0x3f;
            for (int i = 1; i < length; i++) {
                v = (v << 8) | (h[offset + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = h[i];
            if (b == 0) {
                break;
            }
            if (b == ' ') {
                if (v == 0) {
                    continue;
                }
                break;
            }
            if (b < '0' || b > '7') {
                break;
            }
            v = v * 8 + (b - '0');
        }
        return v;
    }

    static String string(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** The entry name, with the ustar prefix field when there is one. */
    static String name(byte[] h) {
        String name = string(h, 0, 100);
        String magic = string(h, 257, 6);
        if (magic.startsWith("ustar")) {
            String prefix = string(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    /** The records of a pax extended header. */
    static Map<String, String> parsePax(String records) {
        Map<String, String> out = new LinkedHashMap<>();
        byte[] bytes = records.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < bytes.length) {
            int space = pos;
            while (space < bytes.length && bytes[space] != ' ') {
                space++;
            }
            if (space >= bytes.length) {
                break;
            }
            int length;
            try {
                length = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                break;
            }
            if (length <= 0 || pos + length > bytes.length) {
                break;
            }
            String record = new String(bytes, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) {
                out.put(record.substring(0, eq), record.substring(eq + 1));
            }
            pos += length;
        }
        return out;
    }
}
