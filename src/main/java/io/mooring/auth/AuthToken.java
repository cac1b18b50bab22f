package io.mooring.auth;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.LocalDateTime;

/** A token as the database knows it: only its SHA-256, never the token. */
@Entity
@Table(name = "auth_tokens")
public class AuthToken extends PanacheEntityBase {

    @Id
    @Column(name = "token_hash")
    public String tokenHash;

    @Column(name = "project_id")
    public String projectId;

    /** The user the token speaks for: generated with it, 32 hex digits like a Keystone user id. */
    @Column(name = "user_id")
    public String userId;

    public String role;

    public String description;

    @Column(name = "created_at")
    public LocalDateTime createdAt;
}
