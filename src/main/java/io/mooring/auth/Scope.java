package io.mooring.auth;

/** The project a call acts in, and whether it may reach other projects' resources (admins). */
public record Scope(String projectId, boolean admin) {
}
