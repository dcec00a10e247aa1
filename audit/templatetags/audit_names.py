from django import template

from audit import names

register = template.Library()

register.filter("role_names", names.role_names)
register.filter("object_type_name", names.object_type_name)
