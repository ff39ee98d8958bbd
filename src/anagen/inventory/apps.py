from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "anagen.inventory"
    label = "inventory"
    verbose_name = "Inventory"
