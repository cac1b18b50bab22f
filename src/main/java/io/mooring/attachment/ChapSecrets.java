package io.mooring.attachment;

import io.mooring.boot.MooringConfig;
import io.mooring.fs.DurableFiles;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-attachment CHAP credentials. The secret cannot be hashed (CHAP needs it in clear on both sides), so it is
 * stored AES-256-GCM encrypted under {@code <dataDir>/secret.key} (mode 0600, durably on disk before first use), with
 * the attachment id as associated data so a ciphertext cannot be moved to another row.
 */
@ApplicationScoped
public class ChapSecrets {

    /** Letters and digits only: accepted by open-iscsi, libiscsi and Windows (which wants 12 to 16 characters). */
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    static final int SECRET_LENGTH = 16;
    private static final int IV_BYTES = 12;

    private final SecureRandom random = new SecureRandom();

    @Inject
    MooringConfig config;

    private volatile SecretKey key;

    void onStart(@Observes StartupEvent event) throws IOException {
        key();
    }

    /** Unique by construction: derived from the attachment id. */
    public String userFor(UUID attachmentId) {
        return "mooring-" + attachmentId.toString().replace("-", "");
    }

    public String newSecret() {
        char[] secret = new char[SECRET_LENGTH];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(secret);
    }

    public byte[] encrypt(UUID attachmentId, String secret) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, iv));
            cipher.updateAAD(attachmentId.toString().getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.US_ASCII));
            return ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot encrypt a CHAP secret", e);
        }
    }

    public String decrypt(UUID attachmentId, byte[] stored) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, stored, 0, IV_BYTES));
            cipher.updateAAD(attachmentId.toString().getBytes(StandardCharsets.US_ASCII));
            return new String(cipher.doFinal(stored, IV_BYTES, stored.length - IV_BYTES), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot decrypt the CHAP secret of attachment " + attachmentId, e);
        }
    }

    private SecretKey key() throws IOException {
        SecretKey loaded = key;
        if (loaded == null) {
            synchronized (this) {
                if (key == null) {
                    key = new SecretKeySpec(loadOrCreate(config.dataDir().resolve("secret.key")), "AES");
                }
                loaded = key;
            }
        }
        return loaded;
    }

    private byte[] loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != 32) {
                throw new IOException(file + " must hold exactly 32 bytes");
            }
            return bytes;
        }
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        DurableFiles.writeOwnerOnly(file, fresh);
        return fresh;
    }
}
