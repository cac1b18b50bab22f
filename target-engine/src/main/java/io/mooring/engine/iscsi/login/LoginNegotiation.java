package io.mooring.engine.iscsi.login;

import io.mooring.engine.AccessGrant;
import io.mooring.engine.ChapAlgorithm;
import io.mooring.engine.iscsi.node.TargetNode;
import io.mooring.engine.iscsi.node.TargetRegistry;
import io.mooring.engine.iscsi.pdu.LoginRequest;
import io.mooring.engine.iscsi.pdu.LoginResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The target side of one connection's login (RFC 7143 6): security stage with CHAP (always required; MD5,
 * SHA-256 or SHA3-256, the first of the initiator's CHAP_A list, and at least what the account requires), then
 * operational negotiation, then the transition to full feature phase. Feed it every Login Request; each
 * {@link Step} carries the response to send and whether the login goes on, completed or failed (then the
 * connection must close after sending the response). Failures say no more than the status class allows.
 */
public final class LoginNegotiation {

    public static final int SECURITY = 0;
    public static final int OPERATIONAL = 1;
    public static final int FULL_FEATURE = 3;

    /** Login text accumulated over C-bit continuations is capped like any text exchange. */
    private static final int MAX_TEXT = 65536;

    public enum Outcome { CONTINUE, COMPLETE, FAILED }

    /** A response and what it means for the connection. */
    public record Step(LoginResponse response, Outcome outcome) {
    }

    private enum ChapState { AWAIT_AUTH_METHOD, AWAIT_ALGORITHM, AWAIT_RESPONSE, DONE }

    private final TargetRegistry registry;
    private final SecureRandom random;
    private final ParameterNegotiator negotiator = new ParameterNegotiator();

    private boolean started;
    private int stage;
    private long isid;
    private String initiatorName;
    private String targetName;
    private boolean discovery;
    private TargetNode node;
    private AccessGrant grant;
    private ChapState chap = ChapState.AWAIT_AUTH_METHOD;
    private ChapAlgorithm chapAlgorithm;
    private int chapIdentifier;
    private byte[] challenge;
    private ByteBuf pendingText;
    private int tsih;

    public LoginNegotiation(TargetRegistry registry, SecureRandom random) {
        this.registry = registry;
        this.random = random;
    }

    /** The initiator's name, once the first complete request gave it (also when the login then failed). */
    public String initiatorName() {
        return initiatorName;
    }

    /** The target name a normal session asked for (null for discovery, or before the first complete request). */
    public String targetName() {
        return targetName;
    }

    public boolean discovery() {
        return discovery;
    }

    /** The target logged in to (null for discovery). */
    public TargetNode node() {
        return node;
    }

    /** The grant whose CHAP account authenticated this login. */
    public AccessGrant grant() {
        return grant;
    }

    public long isid() {
        return isid;
    }

    public int tsih() {
        return tsih;
    }

    public OperationalParameters parameters() {
        return negotiator.parameters();
    }

    /** Frees what a login abandoned halfway holds. */
    public void release() {
        if (pendingText != null) {
            pendingText.release();
            pendingText = null;
        }
    }

    /** Handles one Login Request; does not release it. */
    public Step onRequest(LoginRequest request, ByteBufAllocator alloc) {
        try {
            return handle(request, alloc);
        } catch (LoginFailure failure) {
            release();
            LoginResponse response = new LoginResponse(false, stage, 0, request.isid(), 0,
                    request.initiatorTaskTag(), failure.status, null);
            return new Step(response, Outcome.FAILED);
        }
    }

    private Step handle(LoginRequest request, ByteBufAllocator alloc) throws LoginFailure {
        if (!started) {
            started = true;
            stage = request.currentStage();
            isid = request.isid();
            if (request.versionMin() > 0) {
                throw new LoginFailure(LoginStatus.UNSUPPORTED_VERSION);
            }
            if (stage != SECURITY) {
                // CHAP is mandatory: skipping the security stage cannot succeed
                throw new LoginFailure(stage == OPERATIONAL
                        ? LoginStatus.AUTHENTICATION_FAILED : LoginStatus.INITIATOR_ERROR);
            }
            if (request.tsih() != 0) {
                // one connection per session: there is never a session to add this connection to
                throw new LoginFailure(LoginStatus.SESSION_DOES_NOT_EXIST);
            }
        } else if (request.isid() != isid || request.currentStage() != stage) {
            throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
        }

        if (request.continueFlag()) {
            if (request.transit()) {
                throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
            }
            accumulate(request.data(), alloc);
            return new Step(response(request, false, stage, null), Outcome.CONTINUE);
        }
        Map<String, String> keys = parse(request.data(), alloc);
        Map<String, String> answer = new LinkedHashMap<>();
        if (initiatorName == null) {
            identify(keys, answer);
        }
        if (stage == SECURITY) {
            security(keys, answer);
        } else {
            operational(keys, answer);
        }

        boolean transit = false;
        int next = stage;
        if (request.transit()) {
            int wanted = request.nextStage();
            if (wanted <= stage || wanted == 2) {
                throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
            }
            if (stage != SECURITY || chap == ChapState.DONE) {
                transit = true;
                next = wanted;
            }
        }
        if (stage == OPERATIONAL || transit && next == FULL_FEATURE) {
            negotiator.addDeclarations(answer);
        }
        if (transit && next == FULL_FEATURE) {
            negotiator.finish();
            tsih = registry.newTsih();
            LoginResponse last = new LoginResponse(true, stage, FULL_FEATURE, isid, tsih,
                    request.initiatorTaskTag(), LoginStatus.SUCCESS, encode(answer, alloc));
            stage = FULL_FEATURE;
            return new Step(last, Outcome.COMPLETE);
        }
        LoginResponse response = response(request, transit, next, encode(answer, alloc));
        stage = next;
        return new Step(response, Outcome.CONTINUE);
    }

    private LoginResponse response(LoginRequest request, boolean transit, int next, ByteBuf data) {
        return new LoginResponse(transit, stage, next, isid, 0, request.initiatorTaskTag(), LoginStatus.SUCCESS, data);
    }

    private void accumulate(ByteBuf data, ByteBufAllocator alloc) throws LoginFailure {
        if (pendingText == null) {
            pendingText = alloc.heapBuffer(data.readableBytes() * 2);
        }
        if (pendingText.readableBytes() + data.readableBytes() > MAX_TEXT) {
            throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
        }
        pendingText.writeBytes(data, data.readerIndex(), data.readableBytes());
    }

    private Map<String, String> parse(ByteBuf data, ByteBufAllocator alloc) throws LoginFailure {
        try {
            if (pendingText == null) {
                return TextParameters.parse(data);
            }
            accumulate(data, alloc);
            try {
                return TextParameters.parse(pendingText);
            } finally {
                release();
            }
        } catch (TextFormatException e) {
            throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
        }
    }

    /** First complete request: who is logging in, to what, and may they at all. */
    private void identify(Map<String, String> keys, Map<String, String> answer) throws LoginFailure {
        String name = keys.get("InitiatorName");
        if (name == null || name.isEmpty()) {
            throw new LoginFailure(LoginStatus.MISSING_PARAMETER);
        }
        initiatorName = name; // named before any refusal below: the throttle counts failures under it
        String type = keys.getOrDefault("SessionType", "Normal");
        if (type.equals("Discovery")) {
            discovery = true;
            if (!registry.knowsInitiator(name)) {
                throw new LoginFailure(LoginStatus.AUTHORIZATION_FAILED);
            }
        } else if (type.equals("Normal")) {
            String requested = keys.get("TargetName");
            if (requested == null || requested.isEmpty()) {
                throw new LoginFailure(LoginStatus.MISSING_PARAMETER);
            }
            targetName = requested;
            node = registry.find(requested);
            if (node == null) {
                throw new LoginFailure(LoginStatus.NOT_FOUND);
            }
            if (!node.admitsInitiator(name)) {
                throw new LoginFailure(LoginStatus.AUTHORIZATION_FAILED);
            }
            answer.put("TargetPortalGroupTag", Integer.toString(registry.portalGroupTag()));
        } else {
            throw new LoginFailure(LoginStatus.SESSION_TYPE_NOT_SUPPORTED);
        }
    }

    private static boolean identityKey(String key) {
        return key.equals("InitiatorName") || key.equals("SessionType") || key.equals("TargetName");
    }

    private void security(Map<String, String> keys, Map<String, String> answer) throws LoginFailure {
        boolean chapResponse = false;
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (identityKey(key)) {
                continue;
            }
            switch (key) {
                case "AuthMethod":
                    if (chap != ChapState.AWAIT_AUTH_METHOD || !List.of(value.split(",")).contains("CHAP")) {
                        throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
                    }
                    answer.put(key, "CHAP");
                    chap = ChapState.AWAIT_ALGORITHM;
                    break;
                case "CHAP_A": {
                    // CHAP_N comes later, so the algorithm must satisfy every account that may log in here: an
                    // initiator offering "5,7" to a target whose grant requires SHA-256 gets SHA-256.
                    Optional<ChapAlgorithm> chosen = Chap.choose(value,
                            node == null ? ChapAlgorithm.MD5 : node.strictestChapMinimum(initiatorName));
                    if (chap != ChapState.AWAIT_ALGORITHM || chosen.isEmpty()) {
                        throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
                    }
                    chapAlgorithm = chosen.get();
                    chapIdentifier = random.nextInt(256);
                    challenge = new byte[chapAlgorithm.length()];
                    random.nextBytes(challenge);
                    answer.put("CHAP_A", Integer.toString(chapAlgorithm.number()));
                    answer.put("CHAP_I", Integer.toString(chapIdentifier));
                    answer.put("CHAP_C", Chap.encodeHex(challenge));
                    chap = ChapState.AWAIT_RESPONSE;
                    break;
                }
                case "CHAP_N":
                case "CHAP_R":
                case "CHAP_I":
                case "CHAP_C":
                    chapResponse = true;
                    break;
                default:
                    if (key.startsWith("CHAP_")) {
                        throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
                    }
                    String reply = negotiator.negotiate(key, value);
                    if (reply != null) {
                        answer.put(key, reply);
                    }
            }
        }
        if (chapResponse) {
            verifyChap(keys, answer);
        }
    }

    private void verifyChap(Map<String, String> keys, Map<String, String> answer) throws LoginFailure {
        String user = keys.get("CHAP_N");
        String encodedResponse = keys.get("CHAP_R");
        if (chap != ChapState.AWAIT_RESPONSE || user == null || encodedResponse == null) {
            throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
        }
        byte[] ours = challenge;
        challenge = null; // one answer per challenge
        byte[] received = decodeBinary(encodedResponse);
        if (received.length != chapAlgorithm.length()) {
            throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
        }
        AccessGrant matched = null;
        if (discovery) {
            for (AccessGrant candidate : registry.discoveryGrants(user, initiatorName)) {
                if (Chap.verify(chapAlgorithm, received, chapIdentifier, candidate.chapSecret(), ours)
                        && candidate.admitsChap(chapAlgorithm) && matched == null) {
                    matched = candidate;
                }
            }
        } else {
            AccessGrant account = node.grantOf(user);
            if (account != null && Chap.verify(chapAlgorithm, received, chapIdentifier, account.chapSecret(), ours)) {
                if (!account.admitsChap(chapAlgorithm)) {
                    // right secret, but this account requires a stronger algorithm than the one negotiated
                    throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
                }
                if (!account.admits(initiatorName)) {
                    throw new LoginFailure(LoginStatus.AUTHORIZATION_FAILED);
                }
                matched = account;
            }
        }
        if (matched == null) {
            throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
        }
        String mutualId = keys.get("CHAP_I");
        String mutualChallenge = keys.get("CHAP_C");
        if (mutualId != null || mutualChallenge != null) {
            if (mutualId == null || mutualChallenge == null || matched.mutualSecret() == null) {
                throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
            }
            long id = ParameterNegotiator.number(mutualId, 0, 255);
            byte[] theirs = decodeBinary(mutualChallenge);
            if (id < 0 || theirs.length > Chap.MAX_CHALLENGE_LENGTH || Arrays.equals(theirs, ours)) {
                // equal challenges would let the initiator reflect our own challenge back to us
                throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
            }
            answer.put("CHAP_N", matched.mutualUser());
            answer.put("CHAP_R", Chap.encodeHex(Chap.response(chapAlgorithm, (int) id, matched.mutualSecret(),
                    theirs)));
        }
        grant = matched;
        chap = ChapState.DONE;
    }

    private static byte[] decodeBinary(String value) throws LoginFailure {
        try {
            return Chap.decode(value);
        } catch (IllegalArgumentException e) {
            throw new LoginFailure(LoginStatus.AUTHENTICATION_FAILED);
        }
    }

    private void operational(Map<String, String> keys, Map<String, String> answer) throws LoginFailure {
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String key = e.getKey();
            if (identityKey(key)) {
                continue;
            }
            if (key.equals("AuthMethod") || key.startsWith("CHAP_")) {
                throw new LoginFailure(LoginStatus.INITIATOR_ERROR);
            }
            String reply = negotiator.negotiate(key, e.getValue());
            if (reply != null) {
                answer.put(key, reply);
            }
        }
    }

    private static ByteBuf encode(Map<String, String> answer, ByteBufAllocator alloc) {
        if (answer.isEmpty()) {
            return null;
        }
        ByteBuf out = alloc.heapBuffer(256);
        TextParameters.writeAll(out, answer);
        return out;
    }

    /** Ends the login with a status; cheap, no stack trace. */
    private static final class LoginFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        LoginFailure(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }
}
