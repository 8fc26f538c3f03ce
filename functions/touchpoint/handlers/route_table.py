"""The admin API's routes with what each does: registered with the resolver and kept in a table,
so that the authorization finds a request's action before any route runs, and a test can try
every route there is."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from touchpoint.domain.access import Action


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # the resolver's, e.g. /admin/clinics/<clinic_id>
    action: Action
    pattern: re.Pattern[str]

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}"


@dataclass
class RouteTable:
    app: APIGatewayHttpResolver | APIGatewayHttpRouter  # a Router's table joins the app's (`include`)
    routes: list[Route] = field(default_factory=list)

    def route(
        self, method: str, rule: str, action: Action
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a route and what it does: the resolver's route and its row in the table."""
        pattern = re.compile("^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", rule) + "$")
        self.routes.append(Route(method, rule, action, pattern))

        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            return self.app.route(rule, method)(function)

        return register

    def include(self, other: "RouteTable") -> None:
        """The routes of a Router's table, in the resolver and in this table."""
        assert isinstance(self.app, APIGatewayHttpResolver)
        assert isinstance(other.app, APIGatewayHttpRouter)
        self.app.include_router(other.app)
        self.routes.extend(other.routes)

    @property
    def literals(self) -> frozenset[str]:
        """The fixed parts of the rules (`admin`, `clinics`, `scores.csv`): every other part of a
        path is an id."""
        return frozenset(
            part
            for route in self.routes
            for part in route.rule.split("/")
            if part and not part.startswith("<")
        )

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route of a request and the values of its path parameters; None if there is none."""
        for candidate in self.routes:
            found = candidate.pattern.match(path)
            if candidate.method == method and found:
                return candidate, found.groupdict()
        return None
