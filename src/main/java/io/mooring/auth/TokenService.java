package io.mooring.auth;

import io.mooring.boot.MooringConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Issues and checks API tokens. A presented token is hashed and looked up by its hash, so no comparison ever runs
 * over the secret itself (nothing to time) and the database never holds a usable token.
 */
@ApplicationScoped
public class TokenService {

    public static final String ADMIN = "admin";
    public static final String MEMBER = "member";

    /** Cinder only recognises a path segment as a project id if it matches this (its default project_id_regex). */
    public static final Pattern PROJECT_ID = Pattern.compile("[0-9a-f\\-]{1,64}");

    private static final MessageDigest SHA_256 = sha256();

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Per instance, seeded when the service starts: a static one would be seeded once, into the native image. */
    private final SecureRandom random = new SecureRandom();

    /** Tokens are never revoked, so a verified hash can be remembered: saves a query on every API call. */
    private final Map<String, Principal> verified = new ConcurrentHashMap<>();

    @Inject
    MooringConfig config;

    /** The principal of {@code token}, or null when it is unknown. */
    public Uni<Principal> authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Uni.createFrom().nullItem();
        }
        String hash = hash(token);
        Principal known = verified.get(hash);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return Panache.withSession(() -> AuthToken.<AuthToken>findById(hash))
                .map(found -> {
                    if (found == null) {
                        return config.auth().noauth() ? noauth(token) : null;
                    }
                    Principal principal = new Principal(found.projectId, ADMIN.equals(found.role), found.userId);
                    verified.put(hash, principal);
                    return principal;
                });
    }

    /**
     * Cinder's noauth token {@code <user_id>:<project_id>} (the project defaults to the user): an admin of that
     * project, as in Cinder's noauth middleware. Null when the project part is not a project id.
     */
    static Principal noauth(String token) {
        int colon = token.indexOf(':');
        String project = colon < 0 ? token : token.substring(colon + 1);
        String user = colon < 0 ? token : token.substring(0, colon);
        return PROJECT_ID.matcher(project).matches() ? new Principal(project, true, user) : null;
    }

    /** A token just minted (the only time it is ever visible) and the user it speaks for. */
    public record Minted(String token, String userId) {
    }

    /** Creates a token, and its user, for {@code projectId} with {@code role}. */
    public Uni<Minted> mint(String projectId, String role, String description) {
        String token = newToken();
        String userId = newUserId();
        return insert(token, userId, projectId, role, description).replaceWith(new Minted(token, userId));
    }

    /** Records the hash of an existing token (idempotent, its user kept): used for the admin token in the data directory. */
    public Uni<Void> register(String token, String projectId, String role, String description) {
        return insert(token, newUserId(), projectId, role, description);
    }

    private Uni<Void> insert(String token, String userId, String projectId, String role, String description) {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session
                .createNativeQuery("INSERT INTO auth_tokens (token_hash, user_id, project_id, role, description, created_at)"
                        + " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (token_hash) DO NOTHING")
                .setParameter(1, hash(token))
                .setParameter(2, userId)
                .setParameter(3, projectId)
                .setParameter(4, role)
                .setParameter(5, description)
                .setParameter(6, LocalDateTime.now(ZoneOffset.UTC))
                .executeUpdate()))
                .replaceWithVoid();
    }

    /** 16 random bytes as 32 hex digits, the form of a Keystone user id. */
    private String newUserId() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * 32 bytes from a CSPRNG as 64 hex digits: safe unquoted in a shell and never mistaken for an option (Base64 can
     * start with '-', which makes `cinder --os-token <token>` fail in argparse).
     */
    String newToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String hash(String token) {
        try {
            // a clone of one prepared instance: getInstance's provider lookup cost more than the digest itself
            MessageDigest sha256 = (MessageDigest) SHA_256.clone();
            return HexFormat.of().formatHex(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 is cloneable", e);
        }
    }
}
