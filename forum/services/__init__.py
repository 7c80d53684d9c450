"""The forum's use cases, one module a theme. Each public function is one use case and
commits once.

Callers pass the acting person keyword-only. Failures raise ServiceError subclasses (in
errors.py) carrying a code, a message fit to show, and (for form errors) the field at fault.
Everything public is importable from here (``services.reply``), as it was before the
package was split; new code may import from the theme module.
"""
from forum.services.accounts import (
    COMMON_PASSWORDS,
    PASSWORD_MIN,
    USERNAME_RE,
    account_id_for_login,
    authenticate,
    change_password,
    check_password_strength,
    clean_display_name,
    create_api_token,
    end_sessions,
    get_user,
    register_user,
    request_password_reset,
    reset_password,
    revoke_api_token,
    set_role,
    sign_out_everywhere,
    update_profile,
    user_for_reset_token,
    user_for_token,
    username_key,
)
from forum.services.answers import (
    accept_answer,
    close_as_duplicate,
    link_canonical,
    remove_vote,
    unaccept_answer,
    vote_helpful,
)
from forum.services.categories import (
    create_category,
    find_category,
    list_categories,
    move_category,
    slugify,
    update_category,
)
from forum.services.editing import (
    apply_pending_revision,
    apply_turned_down_revision,
    commit_changes,
    discard_pending_revision,
    draft_revision,
    edit_post,
    pending_revision,
    revise_post,
    revisions,
    set_visibility,
)
from forum.services.errors import (
    AccountRestricted,
    Conflict,
    NotFound,
    PermissionDenied,
    PostingRefused,
    ServiceError,
    TooComplex,
    ValidationError,
    require_unrestricted,
)
from forum.services.notifications import (
    add_notice,
    follow,
    mark_notifications_read,
    set_mail_opt_outs,
    unfollow,
    unsubscribe,
    user_for_unsubscribe,
)
from forum.services.posting import (
    NUMBER_ATTEMPTS,
    TITLE_MAX,
    TITLE_MIN,
    check_body,
    check_complexity,
    check_title,
    create_thread,
    delete_post,
    render_limits,
    render_markdown,
    render_post,
    reply,
)
from forum.view_counts import flush_views, record_view, views_shown

__all__ = [
    "COMMON_PASSWORDS", "PASSWORD_MIN", "USERNAME_RE", "account_id_for_login", "authenticate",
    "change_password", "check_password_strength", "clean_display_name", "create_api_token",
    "end_sessions", "get_user", "register_user", "request_password_reset", "reset_password",
    "revoke_api_token", "set_role", "sign_out_everywhere", "update_profile",
    "user_for_reset_token", "user_for_token", "username_key",
    "accept_answer", "close_as_duplicate", "link_canonical", "remove_vote", "unaccept_answer",
    "vote_helpful",
    "create_category", "find_category", "list_categories", "move_category", "slugify",
    "update_category",
    "apply_pending_revision", "apply_turned_down_revision", "commit_changes",
    "discard_pending_revision", "draft_revision", "edit_post", "pending_revision",
    "revise_post", "revisions", "set_visibility",
    "AccountRestricted", "Conflict", "NotFound", "PermissionDenied", "PostingRefused",
    "ServiceError", "TooComplex", "ValidationError", "require_unrestricted",
    "add_notice", "follow", "mark_notifications_read", "unfollow",
    "set_mail_opt_outs", "unsubscribe", "user_for_unsubscribe",
    "NUMBER_ATTEMPTS", "TITLE_MAX", "TITLE_MIN", "check_body", "check_complexity",
    "check_title", "create_thread", "delete_post", "render_limits", "render_markdown",
    "render_post", "reply",
    "flush_views", "record_view", "views_shown",
]
