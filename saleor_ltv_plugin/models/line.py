"""LINE users who follow the shop's official account, linked to a contact or not yet."""

from django.db import models


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

    class Meta:
        indexes = [models.Index(fields=["contact"])]
