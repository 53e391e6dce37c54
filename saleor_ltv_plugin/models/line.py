"""LINE users who follow the shop's official account, linked to a contact or not yet."""

from django.db import models


class InviteState(models.TextChoices):
    """The account-link invitation of a follower no contact carries (automation/line_invites.py)."""

    NONE = "", "none"  # not needed: linked, unfollowed, or followed before invitations were kept
    PENDING = "pending", "pending"  # to be (re)sent at invite_next_at
    INVITED = "invited", "invited"
    FAILED = "failed", "failed"  # refused by LINE, not configured, or out of tries


class LineFollower(models.Model):
    """One LINE user id seen in a follow or unfollow event (the latest wins), so a buyer who follows
    before their LINE id is known is kept; linking (automation/line_link.py) then gives the contact
    that id and the LINE consent the follow granted. Erasing the contact deletes its rows (the LINE id is theirs)."""

    line_user_id = models.CharField(max_length=64, unique=True)
    following = models.BooleanField(default=True)
    event_at = models.DateTimeField(help_text="The follow or unfollow event's time (LINE's timestamp).")
    contact = models.ForeignKey("Contact", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="line_followers")
    linked_at = models.DateTimeField(null=True, blank=True)
    link_source = models.CharField(max_length=32, blank=True, default="",
                                   help_text="account_link (LINE's flow), or what else linked it.")
    # The invitation to link (one per follow event: its webhookEventId names the push's retry key)
    invite_state = models.CharField(max_length=8, choices=InviteState.choices, blank=True, default="", db_default="")
    invite_event_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    invite_channel = models.CharField(max_length=255, blank=True, default="", db_default="",
                                      help_text="The sales channel whose LINE settings the follow came in on.")
    invite_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    invite_next_at = models.DateTimeField(null=True, blank=True,
                                          help_text="When a pending invitation is due (a claim moves it past its lease).")
    invite_error = models.CharField(max_length=500, blank=True, default="", db_default="")
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["contact"]),
                   models.Index(fields=["invite_next_at"], name="ltv_line_invite_due",
                                condition=models.Q(invite_state="pending"))]
