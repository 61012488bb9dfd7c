package dev.wharf.server.policy;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import java.time.Instant;
import java.util.EnumSet;

/**
 * One retention rule of a namespace: which tags it is about ({@code repositories}, a repository
 * pattern as in access scopes, default {@code **}; {@code tags}, a {@link TagPatterns tag pattern},
 * default {@code *}) and which of them it keeps: exactly one of the {@code keepLast} most recently
 * pushed per repository, those pushed within {@code pushedWithinDays} days, or those pulled within
 * {@code pulledWithinDays} days.
 *
 * <p>A tag no rule matches is kept. A tag some rule matches is removed unless a rule that matches it
 * keeps it. An immutable tag is never removed (docs/API.md, "Namespace policy").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetentionRule(String repositories, String tags, Integer keepLast, Integer pushedWithinDays,
                            Integer pulledWithinDays) {

    /** At most this many rules per namespace. */
    public static final int MAX_RULES = 20;
    /** The largest count or number of days a rule takes. */
    public static final int MAX_VALUE = 100_000;

    /**
     * The rule with defaults filled in.
     *
     * @throws dev.wharf.oci.OciException 400 {@code UNSUPPORTED} when it is not one of the shapes above
     */
    public RetentionRule validated() {
        String repos = repositories == null ? "**" : repositories;
        try {
            new Scope(repos, EnumSet.of(Action.PULL));
        } catch (RuntimeException e) {
            throw TagPatterns.bad("invalid repositories pattern in a retention rule: " + e.getMessage());
        }
        String tagPattern = TagPatterns.validate(tags == null ? "*" : tags);
        int given = (keepLast != null ? 1 : 0) + (pushedWithinDays != null ? 1 : 0) + (pulledWithinDays != null ? 1 : 0);
        if (given != 1) {
            throw TagPatterns.bad("a retention rule has exactly one of keepLast, pushedWithinDays, pulledWithinDays");
        }
        boolean inRange = keepLast != null ? keepLast >= 0 && keepLast <= MAX_VALUE
                : (pushedWithinDays != null ? pushedWithinDays : pulledWithinDays) >= 1
                  && (pushedWithinDays != null ? pushedWithinDays : pulledWithinDays) <= MAX_VALUE;
        if (!inRange) {
            throw TagPatterns.bad("keepLast is 0 to " + MAX_VALUE + ", pushedWithinDays and pulledWithinDays 1 to "
                    + MAX_VALUE);
        }
        return new RetentionRule(repos, tagPattern, keepLast, pushedWithinDays, pulledWithinDays);
    }

    /** Whether the rule is about this tag of this repository. */
    public boolean matches(String repository, String tag) {
        return Scope.matches(repositories, repository) && TagPatterns.matches(tags, tag);
    }

    /**
     * Whether the rule keeps a tag it matches.
     *
     * @param rank     0 for the most recently pushed of the tags this rule matches in the repository, 1 for the next...
     * @param pushedAt when the tag was last pushed (moved)
     * @param pulledAt when the tag was last pulled, or null
     */
    public boolean keeps(int rank, Instant pushedAt, Instant pulledAt, Instant now) {
        if (keepLast != null) {
            return rank < keepLast;
        }
        if (pushedWithinDays != null) {
            return !pushedAt.isBefore(now.minusSeconds(86_400L * pushedWithinDays));
        }
        return pulledAt != null && !pulledAt.isBefore(now.minusSeconds(86_400L * pulledWithinDays));
    }
}
