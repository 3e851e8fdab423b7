from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "memberbooks.events"
    label = "events"
    verbose_name = "Event registration"
